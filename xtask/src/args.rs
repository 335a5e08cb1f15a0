//! Command-line options of the xtask commands: `--name value` and `--name=value` alike (the
//! space form too, unlike gungraun's pitfall), and flags, which take no value.

/// The options of one command, read one at a time.
pub(crate) struct Args<'a> {
    rest: std::slice::Iter<'a, String>,
}

/// One option as given.
pub(crate) struct Arg<'a> {
    /// `--name`.
    pub(crate) name: &'a str,
    /// The value after `=`, if it came that way.
    inline: Option<&'a str>,
    raw: &'a str,
}

impl<'a> Args<'a> {
    pub(crate) fn new(args: &'a [String]) -> Args<'a> {
        Args { rest: args.iter() }
    }

    /// The next option, if any.
    pub(crate) fn next(&mut self) -> Option<Arg<'a>> {
        let raw = self.rest.next()?;
        let (name, inline) = match raw.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (raw.as_str(), None),
        };
        Some(Arg { name, inline, raw })
    }

    /// `arg`'s value: after its `=`, else the next argument.
    pub(crate) fn value(&mut self, arg: &Arg<'_>) -> Result<String, String> {
        arg.inline
            .or_else(|| self.rest.next().map(String::as_str))
            .map(str::to_owned)
            .ok_or_else(|| format!("{} needs a value", arg.name))
    }

    /// `arg`'s value as a number above zero.
    pub(crate) fn positive(&mut self, arg: &Arg<'_>) -> Result<u64, String> {
        let text = self.value(arg)?;
        text.parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{} wants a positive number, not {text:?}", arg.name))
    }
}

impl Arg<'_> {
    /// Whether this is the flag `name` (given without a value).
    pub(crate) fn is_flag(&self, name: &str) -> bool {
        self.name == name && self.inline.is_none()
    }

    /// The error for an option the command does not know.
    pub(crate) fn unknown(&self, usage: &str) -> String {
        format!("unknown argument `{}`\n\n{usage}", self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::Args;

    #[test]
    fn values_after_a_space_or_an_equals_sign() {
        let given: Vec<String> = [
            "--secs",
            "5",
            "--html=a.html",
            "--no-wrk",
            "--rounds=0",
            "--x",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let mut args = Args::new(&given);
        let secs = args.next().unwrap();
        assert_eq!((secs.name, args.positive(&secs)), ("--secs", Ok(5)));
        let html = args.next().unwrap();
        assert_eq!(args.value(&html).as_deref(), Ok("a.html"));
        assert!(args.next().unwrap().is_flag("--no-wrk"));
        let rounds = args.next().unwrap();
        assert!(args.positive(&rounds).unwrap_err().contains("positive"));
        let last = args.next().unwrap();
        assert_eq!(args.value(&last), Err("--x needs a value".to_owned()));
        assert!(last.unknown("usage").starts_with("unknown argument `--x`"));
        assert!(args.next().is_none());
    }
}
