//! The command lines of the measurement examples: arguments handed out one by one, and
//! a parse error printed with the program's name.

/// How much of a run a command prints: the options `--all-frames` (every frame of every
/// sequence) and `--quiet` (the pooled tables only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub all_frames: bool,
    pub quiet: bool,
}

impl Listing {
    /// Takes `--all-frames` or `--quiet`; returns whether `arg` was one of them.
    pub fn take_arg(&mut self, arg: &str) -> bool {
        match arg {
            "--all-frames" => self.all_frames = true,
            "--quiet" => self.quiet = true,
            _ => return false,
        }
        true
    }
}

/// Hands every argument of `args` to `take` with a getter of the argument's value (the
/// next argument); an argument that `take` does not know (it returns `false`) is an
/// error.
pub fn parse_args(
    args: &[String],
    mut take: impl FnMut(&str, &mut dyn FnMut() -> Result<String, String>) -> Result<bool, String>,
) -> Result<(), String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        if !take(a, &mut value)? {
            return Err(format!("unknown option {a} (see the file's header)"));
        }
    }
    Ok(())
}

/// The program's arguments parsed by `parse`; on an error, prints `name: error` and
/// exits with status 2.
pub fn parsed_or_exit<T>(name: &str, parse: impl FnOnce(&[String]) -> Result<T, String>) -> T {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::exit(2);
        }
    }
}

/// The value of `result`; on an error, prints `name: error` and exits with status 1.
pub fn or_exit<T>(name: &str, result: Result<T, String>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("{name}: {e}");
        std::process::exit(1);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_their_values_are_handed_out() {
        let args: Vec<String> = ["--a", "1", "--b"].map(String::from).to_vec();
        let mut seen = Vec::new();
        parse_args(&args, |a, value| {
            match a {
                "--a" => seen.push(format!("a={}", value()?)),
                "--b" => seen.push("b".to_string()),
                _ => return Ok(false),
            }
            Ok(true)
        })
        .expect("parses");
        assert_eq!(seen, ["a=1", "b"]);
        let unknown = parse_args(&args, |_, _| Ok(false));
        assert!(unknown.is_err_and(|e| e.contains("--a")));
        let missing = parse_args(&args[..1], |_, value| value().map(|_| true));
        assert!(missing.is_err_and(|e| e.contains("needs a value")));
    }
}
