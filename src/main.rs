//! The `feedpub` binary: parse the command line, load the config, run a command, map the result
//! to an exit code (0 ok, 1 a problem with articles or at run time, 2 bad config or usage).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use feedpub::config::{Config, Overrides};

/// Publish a directory of articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1, and serve them.
#[derive(Debug, Parser)]
#[command(name = "feedpub", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Config file [default: config/feedpub.toml when it exists, else built-in defaults]
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Articles directory (overrides articles.dir)
    #[arg(long, global = true, value_name = "DIR")]
    articles: Option<PathBuf>,
    /// Output directory (overrides feeds.out_dir)
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080 or 127.0.0.1:0 for a free port (overrides server.listen)
    #[arg(long, global = true, value_name = "ADDR")]
    listen: Option<String>,
    /// Public base URL of the site (overrides site.base_url)
    #[arg(long = "base-url", global = true, value_name = "URL")]
    base_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Watch the articles directory and serve the feeds over HTTP (the default)
    Serve,
    /// Write every feed and page into the out dir once
    Build,
    /// Report every problem in the config and the articles
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    feedpub::logging::init();
    let overrides = Overrides {
        config: cli.config,
        articles: cli.articles,
        out: cli.out,
        listen: cli.listen,
        base_url: cli.base_url,
    };
    let config = match Config::load(&overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Build => feedpub::build::build(&config),
        Command::Check => feedpub::build::check(&config),
        Command::Serve => {
            match feedpub::limits::raise_nofile() {
                Ok(n) if (n as usize) < config.server.max_connections => tracing::warn!(
                    "open-file limit is {n}, below server.max_connections ({}); raise LimitNOFILE=",
                    config.server.max_connections
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("cannot raise the open-file limit: {e}"),
            }
            feedpub::daemon::serve(config, overrides)
        }
    }
}
