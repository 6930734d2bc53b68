//! Charts drawn by the app as SVG: axes, labels, the value written at every bar (readable
//! without colour), a tooltip on hover and the same text on keyboard focus, and the data as a
//! table for those who prefer one.

use leptos::prelude::*;

/// One bar: what it is, its value, and the value as people read it ("12.5%", "1,204").
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub display: String,
}

const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 230.0;
const VALUE_ROOM: f64 = 170.0;
const ROW: f64 = 30.0;
const BAR: f64 = 18.0;
const TOP: f64 = 8.0;
const AXIS: f64 = 28.0;

/// A round upper bound for the axis and its ticks: 0, ¼, ½, ¾ and all of it.
pub fn axis_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 4.0, 5.0, 10.0] {
        let candidate = step * magnitude;
        if candidate >= max {
            return candidate;
        }
    }
    10.0 * magnitude
}

/// A label no longer than the label column holds.
fn fit(label: &str) -> String {
    const MAX: usize = 30;
    if label.chars().count() <= MAX {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(MAX - 1).collect::<String>())
    }
}

/// A horizontal bar chart.
#[component]
pub fn BarChart(
    /// The chart's name, shown above it and read by screen readers.
    title: String,
    bars: Vec<Bar>,
    /// How a tick value reads ("12%", "1,200").
    tick: fn(f64) -> String,
    /// The heading of the value column of the table.
    value_name: &'static str,
) -> impl IntoView {
    if bars.is_empty() {
        return view! {
            <figure class="chart">
                <figcaption class="chart__title">{title}</figcaption>
                <p class="empty">"No data for this period yet."</p>
            </figure>
        }
        .into_any();
    }
    let largest = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    // Counts get whole-number ticks: the axis reaches at least 4 when every value is whole.
    let whole = bars.iter().all(|b| b.value.fract() == 0.0);
    let max = axis_max(if whole { largest.max(4.0) } else { largest });
    let plot = WIDTH - LABEL_WIDTH - VALUE_ROOM;
    let height = TOP + ROW * bars.len() as f64 + AXIS;
    let axis_y = TOP + ROW * bars.len() as f64;
    let ticks: Vec<f64> = (0..=4).map(|i| max * f64::from(i) / 4.0).collect();
    let rows = bars.clone();

    view! {
        <figure class="chart">
            <figcaption class="chart__title">{title.clone()}</figcaption>
            <svg class="chart__svg" viewBox=format!("0 0 {WIDTH} {height}") role="group"
                aria-label=title preserveAspectRatio="xMinYMin meet">
                {ticks.iter().map(|t| {
                    let x = LABEL_WIDTH + plot * t / max;
                    view! {
                        <line class="chart__grid" x1=x x2=x y1=TOP y2=axis_y></line>
                        <text class="chart__tick" x=x y=axis_y + 18.0 text-anchor="middle">{tick(*t)}</text>
                    }
                }).collect_view()}
                <line class="chart__axis" x1=LABEL_WIDTH x2=LABEL_WIDTH y1=TOP y2=axis_y></line>
                {bars.into_iter().enumerate().map(|(i, bar)| {
                    let y = TOP + ROW * i as f64;
                    let length = (plot * bar.value / max).max(1.0);
                    let text = format!("{}: {}", bar.label, bar.display);
                    let tooltip = text.clone();
                    view! {
                        <g class="chart__bar" tabindex="0" role="img" aria-label=text>
                            <title>{tooltip}</title>
                            <text class="chart__label" x=LABEL_WIDTH - 8.0 y=y + ROW / 2.0 + 4.0 text-anchor="end">
                                {fit(&bar.label)}
                            </text>
                            <rect x=LABEL_WIDTH y=y + (ROW - BAR) / 2.0 width=length height=BAR rx="3"></rect>
                            <text class="chart__value" x=LABEL_WIDTH + length + 6.0 y=y + ROW / 2.0 + 4.0>
                                {bar.display}
                            </text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <details class="chart__table">
                <summary>"Show the data as a table"</summary>
                <table>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">{value_name}</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|b| view! {
                            <tr><th scope="row">{b.label}</th><td>{b.display}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}

/// How a series of a [`TimeChart`] is drawn. The two bar styles and the two line styles differ
/// in shape (solid or hatched, solid or dashed with round or square markers), not only in
/// colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    Bars,
    HatchedBars,
    Line,
    DashedLine,
}

/// One named series of a time chart, a value per period.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub mark: Mark,
    pub values: Vec<f64>,
}

const T_HEIGHT: f64 = 240.0;
const T_LEFT: f64 = 56.0;
const T_RIGHT: f64 = 12.0;
const T_TOP: f64 = 12.0;
const T_BOTTOM: f64 = 28.0;

/// A chart over time: a column per period (a day, week or month), bars and lines on one value
/// axis. Each period is one keyboard stop whose name (and hover tooltip) reads every series'
/// value for it; the legend names the series; the data is also a table.
#[component]
pub fn TimeChart(
    title: String,
    /// A label per period ("3 Nov").
    periods: Vec<String>,
    series: Vec<Series>,
    tick: fn(f64) -> String,
) -> impl IntoView {
    let n = periods.len();
    if n == 0 || series.is_empty() {
        return view! {
            <figure class="chart">
                <figcaption class="chart__title">{title}</figcaption>
                <p class="empty">"No data for this period yet."</p>
            </figure>
        }
        .into_any();
    }
    let values = || series.iter().flat_map(|s| s.values.iter().copied());
    let largest = values().fold(0.0, f64::max);
    let whole = values().all(|v| v.fract() == 0.0);
    let max = axis_max(if whole { largest.max(4.0) } else { largest });
    let plot_w = WIDTH - T_LEFT - T_RIGHT;
    let plot_h = T_HEIGHT - T_TOP - T_BOTTOM;
    let band = plot_w / n as f64;
    let y_of = move |v: f64| T_TOP + plot_h - plot_h * v / max;
    let x_mid = move |i: usize| T_LEFT + band * (i as f64 + 0.5);
    let bar_series: Vec<&Series> = series
        .iter()
        .filter(|s| matches!(s.mark, Mark::Bars | Mark::HatchedBars))
        .collect();
    let bar_w = (band * 0.8 / bar_series.len().max(1) as f64).max(1.0);
    let label_every = n.div_ceil(8);
    let ticks: Vec<f64> = (0..=4).map(|i| max * f64::from(i) / 4.0).collect();
    let axis_y = T_TOP + plot_h;

    let bars = bar_series
        .iter()
        .enumerate()
        .flat_map(|(k, s)| {
            let class = if s.mark == Mark::Bars {
                "chart__col"
            } else {
                "chart__col chart__col--hatched"
            };
            s.values.iter().enumerate().map(move |(i, v)| {
                let x = T_LEFT + band * i as f64 + band * 0.1 + bar_w * k as f64;
                let y = y_of(*v);
                view! { <rect class=class x=x y=y width=bar_w height=(axis_y - y).max(0.0)></rect> }
            })
        })
        .collect_view();
    let lines = series
        .iter()
        .filter(|s| matches!(s.mark, Mark::Line | Mark::DashedLine))
        .map(|s| {
            let points = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{:.1},{:.1}", x_mid(i), y_of(*v)))
                .collect::<Vec<_>>()
                .join(" ");
            let dashed = s.mark == Mark::DashedLine;
            let class = if dashed { "chart__line chart__line--dashed" } else { "chart__line" };
            let markers = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let (x, y) = (x_mid(i), y_of(*v));
                    if dashed {
                        view! { <rect class="chart__marker" x=x - 3.0 y=y - 3.0 width="6" height="6"></rect> }.into_any()
                    } else {
                        view! { <circle class="chart__marker" cx=x cy=y r="3.2"></circle> }.into_any()
                    }
                })
                .collect_view();
            view! { <polyline class=class points=points fill="none"></polyline> {markers} }
        })
        .collect_view();
    let describe = {
        let series = series.clone();
        let periods = periods.clone();
        move |i: usize| {
            let parts: Vec<String> = series
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        s.name,
                        tick(s.values.get(i).copied().unwrap_or(0.0))
                    )
                })
                .collect();
            format!("{}: {}", periods[i], parts.join(", "))
        }
    };
    let stops = (0..n)
        .map(|i| {
            let text = describe(i);
            let tooltip = text.clone();
            view! {
                <g class="chart__period" tabindex="0" role="img" aria-label=text>
                    <title>{tooltip}</title>
                    <rect x=T_LEFT + band * i as f64 y=T_TOP width=band height=plot_h></rect>
                </g>
            }
        })
        .collect_view();
    let x_labels = periods
        .iter()
        .enumerate()
        .filter(|(i, _)| i % label_every == 0)
        .map(|(i, p)| {
            view! { <text class="chart__tick" x=x_mid(i) y=axis_y + 18.0 text-anchor="middle">{p.clone()}</text> }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|s| {
            let swatch = match s.mark {
                Mark::Bars => "legend__swatch legend__swatch--bars",
                Mark::HatchedBars => "legend__swatch legend__swatch--hatched",
                Mark::Line => "legend__swatch legend__swatch--line",
                Mark::DashedLine => "legend__swatch legend__swatch--dashed",
            };
            view! { <li><span class=swatch aria-hidden="true"></span>{s.name}</li> }
        })
        .collect_view();
    let table_rows = (0..n)
        .map(|i| {
            let cells = series
                .iter()
                .map(|s| view! { <td>{tick(s.values.get(i).copied().unwrap_or(0.0))}</td> })
                .collect_view();
            view! { <tr><th scope="row">{periods[i].clone()}</th>{cells}</tr> }
        })
        .collect_view();
    let heads = series
        .iter()
        .map(|s| view! { <th scope="col">{s.name}</th> })
        .collect_view();

    view! {
        <figure class="chart">
            <figcaption class="chart__title">{title.clone()}</figcaption>
            <ul class="legend" role="list">{legend}</ul>
            <svg class="chart__svg" viewBox=format!("0 0 {WIDTH} {T_HEIGHT}") role="group"
                aria-label=title preserveAspectRatio="xMinYMin meet">
                <defs>
                    <pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
                        <rect width="6" height="6" class="chart__hatch-bg"></rect>
                        <line x1="0" y1="0" x2="0" y2="6" class="chart__hatch-line"></line>
                    </pattern>
                </defs>
                {ticks.iter().map(|t| {
                    let y = y_of(*t);
                    view! {
                        <line class="chart__grid" x1=T_LEFT x2=WIDTH - T_RIGHT y1=y y2=y></line>
                        <text class="chart__tick" x=T_LEFT - 8.0 y=y + 4.0 text-anchor="end">{tick(*t)}</text>
                    }
                }).collect_view()}
                <line class="chart__axis" x1=T_LEFT x2=WIDTH - T_RIGHT y1=axis_y y2=axis_y></line>
                {bars}
                {lines}
                {x_labels}
                {stops}
            </svg>
            <details class="chart__table">
                <summary>"Show the data as a table"</summary>
                <table>
                    <thead><tr><th scope="col">"Period"</th>{heads}</tr></thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_at_a_round_number_above_the_largest_value() {
        assert_eq!(axis_max(0.0), 1.0);
        assert_eq!(axis_max(7.0), 10.0);
        assert_eq!(axis_max(1.0), 1.0);
        assert_eq!(axis_max(180.0), 200.0);
        assert_eq!(axis_max(0.42), 0.5);
        assert_eq!(axis_max(2_300.0), 2_500.0);
        assert_eq!(fit("short"), "short");
        assert_eq!(fit(&"x".repeat(40)).chars().count(), 30);
    }
}
