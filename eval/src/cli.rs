//! The command lines of the measurement examples (parsed with `clap`): the listing
//! options the footage commands share, value parsers for the syntaxes they take (`WxH`,
//! `PROP=VALUE`), and a run's error printed with the program's name.

/// How much of a run a command prints: the options `--all-frames` (every frame of every
/// sequence) and `--quiet` (the pooled tables only).
#[derive(clap::Args, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Print every frame of every sequence
    #[arg(long)]
    pub all_frames: bool,
    /// Print the pooled tables only
    #[arg(long)]
    pub quiet: bool,
}

/// A frame size written `WxH` (`640x480`).
pub fn size(text: &str) -> Result<(usize, usize), String> {
    let (w, h) = text.split_once('x').ok_or("expected WxH")?;
    let number = |v: &str| v.parse::<usize>().map_err(|e| format!("{v}: {e}"));
    Ok((number(w)?, number(h)?))
}

/// An element property written `PROP=VALUE` (the value as `gst-launch` takes it).
pub fn property(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once('=').ok_or("expected PROP=VALUE")?;
    Ok((name.to_string(), value.to_string()))
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
    fn sizes_and_properties_are_read() {
        assert_eq!(size("640x480"), Ok((640, 480)));
        assert!(size("640").is_err_and(|e| e.contains("WxH")));
        assert!(size("640xA").is_err());
        assert_eq!(
            property("sensitivity=2"),
            Ok(("sensitivity".to_string(), "2".to_string()))
        );
        assert_eq!(
            property("defect-map=a=b.map"),
            Ok(("defect-map".to_string(), "a=b.map".to_string()))
        );
        assert!(property("sensitivity").is_err_and(|e| e.contains("PROP=VALUE")));
    }
}
