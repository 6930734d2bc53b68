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
