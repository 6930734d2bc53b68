//! Running other programs with clear messages: every command is echoed before it runs, and a
//! failure says which command failed and how.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};

/// A command to run, with a printable form for messages.
pub struct Cmd {
    command: Command,
    /// The program and its arguments, as shown.
    shown: String,
    /// `K=V` words shown before the program.
    env_shown: Vec<String>,
    /// Variables taken out of the environment, shown as `env -u K`.
    removed: Vec<String>,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let program = program.as_ref();
        Cmd {
            command: Command::new(program),
            shown: shell_word(program),
            env_shown: Vec::new(),
            removed: Vec::new(),
        }
    }

    /// Cargo, as the one that runs xtask (so the same toolchain builds everything).
    pub fn cargo() -> Self {
        Cmd::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
            .shown_as("cargo")
    }

    /// Overrides how the program is shown (e.g. `cargo` rather than its full path).
    fn shown_as(mut self, name: &str) -> Self {
        self.shown = name.to_string();
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.shown.push(' ');
        self.shown.push_str(&shell_word(arg.as_ref()));
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Cmd::arg)
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.env_shown
            .push(format!("{key}={}", shell_word(value.as_ref())));
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.removed.push(key.to_string());
        self.command.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    pub fn stdout(mut self, stdout: impl Into<Stdio>) -> Self {
        self.command.stdout(stdout);
        self
    }

    pub fn stderr(mut self, stderr: impl Into<Stdio>) -> Self {
        self.command.stderr(stderr);
        self
    }

    /// Runs to completion with inherited output; fails unless it exits 0.
    pub fn run(mut self) -> Result<()> {
        println!("$ {self}");
        let status = self
            .command
            .status()
            .with_context(|| format!("could not start `{self}`"))?;
        if !status.success() {
            bail!("`{self}` failed ({status})");
        }
        Ok(())
    }

    /// Runs quietly and returns its standard output; fails unless it exits 0.
    pub fn read(mut self) -> Result<String> {
        let output = self
            .command
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("could not start `{self}`"))?;
        if !output.status.success() {
            bail!("`{self}` failed ({})", output.status);
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Starts it in the background; the caller owns the child.
    pub fn spawn(mut self) -> Result<Child> {
        println!("$ {self} &");
        self.command
            .spawn()
            .with_context(|| format!("could not start `{self}`"))
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.removed.is_empty() {
            f.write_str("env")?;
            for key in &self.removed {
                write!(f, " -u {key}")?;
            }
            f.write_str(" ")?;
        }
        for word in &self.env_shown {
            write!(f, "{word} ")?;
        }
        f.write_str(&self.shown)
    }
}

/// A child process that is killed when dropped, so a server never outlives a failed step.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Finds a program on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn shell_word(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_command_as_a_shell_would_take_it() {
        let cmd = Cmd::new("node")
            .arg("--test")
            .arg("it's here")
            .env("A", "1")
            .env_remove("B");
        assert_eq!(cmd.to_string(), r"env -u B A=1 node --test 'it'\''s here'");
    }

    #[test]
    fn reports_a_failing_command_by_name() {
        let error = Cmd::new("false").run().unwrap_err().to_string();
        assert!(error.contains("`false` failed"), "{error}");
        let error = Cmd::new("/no/such/program").run().unwrap_err().to_string();
        assert!(error.contains("could not start"), "{error}");
    }
}
