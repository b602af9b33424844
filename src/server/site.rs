//! Where the dashboard's site is and how it is named: `Leptos.toml`, read into Leptos's options.

use std::net::SocketAddr;

use leptos::config::{get_config_from_str, LeptosOptions};

/// `Leptos.toml`, as built into the binary.
pub const LEPTOS_TOML: &str = include_str!("../../Leptos.toml");

/// The address `serve` listens on when no `--bind` says otherwise (Leptos.toml's `site-addr`).
pub const DEFAULT_BIND: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 3000));

/// Leptos's options: `Leptos.toml`, overridden by `LEPTOS_*` environment variables (cargo-leptos
/// sets them when it runs the server), and `bind` when it is not the default (an explicit
/// `--bind` wins over `LEPTOS_SITE_ADDR`).
pub fn leptos_options(bind: SocketAddr) -> Result<LeptosOptions, String> {
    // leptos_config reads the keys of a `[package.metadata.leptos]` table (Cargo.toml's shape);
    // Leptos.toml holds them at its top level.
    let mut options = get_config_from_str(&format!("[package.metadata.leptos]\n{LEPTOS_TOML}"))
        .map_err(|e| format!("Leptos.toml or a LEPTOS_* environment variable: {e}"))?;
    if std::env::var_os("LEPTOS_SITE_ADDR").is_none() || bind != DEFAULT_BIND {
        options.site_addr = bind;
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse::<toml::Table>().expect("valid TOML")
    }

    #[test]
    fn leptos_toml_agrees_with_cargo_metadata() {
        let leptos = table(LEPTOS_TOML);
        let cargo = table(include_str!("../../Cargo.toml"));
        let metadata = cargo["package"]["metadata"]["leptos"].as_table().expect("[package.metadata.leptos]");
        assert!(!leptos.is_empty());
        for (key, value) in &leptos {
            assert_eq!(
                metadata.get(key),
                Some(value),
                "Leptos.toml's `{key}` differs from Cargo.toml's [package.metadata.leptos] (cargo-leptos reads that one)"
            );
        }
        // The keys the server needs are all in Leptos.toml, not only in Cargo.toml.
        for key in ["output-name", "site-root", "site-pkg-dir", "site-addr"] {
            assert!(leptos.contains_key(key), "Leptos.toml lacks `{key}`");
        }
    }

    #[test]
    fn options_come_from_leptos_toml() {
        let leptos = table(LEPTOS_TOML);
        let options = leptos_options(DEFAULT_BIND).unwrap();
        assert_eq!(&*options.output_name, leptos["output-name"].as_str().unwrap());
        assert_eq!(&*options.site_pkg_dir, leptos["site-pkg-dir"].as_str().unwrap());
        assert_eq!(DEFAULT_BIND.to_string(), leptos["site-addr"].as_str().unwrap());
        let other: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        assert_eq!(leptos_options(other).unwrap().site_addr, other);
    }
}
