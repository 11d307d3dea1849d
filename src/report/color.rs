//! Whether to colour human output: `--color`, then the `NO_COLOR` and `FORCE_COLOR`
//! conventions, then `TERM=dumb`, then whether stdout is a terminal.

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and the environment does not say otherwise.
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides colour; `var` reads an environment variable (a parameter, so tests need not
/// change the process environment).
pub fn enabled(choice: ColorChoice, var: &dyn Fn(&str) -> Option<String>, tty: bool) -> bool {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if set("FORCE_COLOR") => var("FORCE_COLOR").as_deref() != Some("0"),
        ColorChoice::Auto if var("TERM").as_deref() == Some("dumb") => false,
        ColorChoice::Auto => tty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flag_then_environment_then_terminal() {
        use ColorChoice::*;
        assert!(enabled(Always, &env(&[("NO_COLOR", "1")]), false));
        assert!(!enabled(Never, &env(&[("FORCE_COLOR", "1")]), true));
        assert!(enabled(Auto, &env(&[]), true));
        assert!(!enabled(Auto, &env(&[]), false));
        assert!(!enabled(
            Auto,
            &env(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]),
            true
        ));
        assert!(enabled(
            Auto,
            &env(&[("NO_COLOR", ""), ("FORCE_COLOR", "1")]),
            false
        ));
        assert!(!enabled(Auto, &env(&[("FORCE_COLOR", "0")]), true));
        assert!(!enabled(Auto, &env(&[("TERM", "dumb")]), true));
        assert!(enabled(
            Auto,
            &env(&[("TERM", "dumb"), ("FORCE_COLOR", "1")]),
            false
        ));
    }
}
