//! A tiny argument parser: a command, then `--flag` and `--option value` (or `--option=value`).

use anyhow::{bail, Result};

#[derive(Debug)]
pub struct Args {
    args: Vec<String>,
}

impl Args {
    pub fn from_env() -> Self {
        Self::new(std::env::args().skip(1))
    }

    pub fn new(args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Args {
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    /// Takes the first argument: the command.
    pub fn command(&mut self) -> Option<String> {
        (!self.args.is_empty()).then(|| self.args.remove(0))
    }

    /// Takes `--name` if present.
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.args.len();
        self.args.retain(|a| a != name);
        self.args.len() != before
    }

    /// Takes `--name value` or `--name=value` if present.
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let prefix = format!("{name}=");
        if let Some(i) = self.args.iter().position(|a| a.starts_with(&prefix)) {
            let arg = self.args.remove(i);
            return Ok(Some(arg[prefix.len()..].to_string()));
        }
        match self.args.iter().position(|a| a == name) {
            None => Ok(None),
            Some(i) if i + 1 < self.args.len() => {
                self.args.remove(i);
                Ok(Some(self.args.remove(i)))
            }
            Some(_) => bail!("`{name}` needs a value"),
        }
    }

    /// Takes `--name N` as a whole number (`1_000` allowed), or `default` when absent.
    pub fn count(&mut self, name: &str, default: usize) -> Result<usize> {
        match self.value(name)? {
            None => Ok(default),
            Some(v) => v
                .replace('_', "")
                .parse()
                .map_err(|_| anyhow::anyhow!("`{name}` needs a whole number, not `{v}`")),
        }
    }

    /// Fails on anything not taken yet.
    pub fn finish(self) -> Result<()> {
        if self.args.is_empty() {
            Ok(())
        } else {
            bail!(
                "unexpected argument(s): {} (see `cargo xtask help`)",
                self.args.join(" ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_command_flags_and_values() {
        let mut args = Args::new(["run", "--dev", "--addr", "0.0.0.0:1"]);
        assert_eq!(args.command().as_deref(), Some("run"));
        assert!(args.flag("--dev"));
        assert!(!args.flag("--release"));
        assert_eq!(args.value("--addr").unwrap().as_deref(), Some("0.0.0.0:1"));
        args.finish().unwrap();
    }

    #[test]
    fn takes_values_written_with_equals() {
        let mut args = Args::new(["--addr=127.0.0.1:9"]);
        assert_eq!(
            args.value("--addr").unwrap().as_deref(),
            Some("127.0.0.1:9")
        );
    }

    #[test]
    fn rejects_unknown_arguments_and_missing_values() {
        let mut args = Args::new(["--addr"]);
        assert!(args.value("--addr").is_err());
        assert!(Args::new(["--bogus"]).finish().is_err());
        assert_eq!(Args::new(Vec::<String>::new()).command(), None);
    }
}
