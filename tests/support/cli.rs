//! The `hookconsole` binary as the tests run it: the one built for them, on a home given
//! with `--home`, with nothing taken from the environment that would change what it
//! does (another home, a log level, a proxy).

use std::path::Path;
use std::process::{Command, Output};

/// Variables of the test's own environment the binary must not see.
const ENVIRONMENT: [&str; 8] = [
    "HOOKCONSOLE_HOME",
    "HOOKCONSOLE_LOG",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The binary with no home given (a test gives it one, or checks what happens
/// without).
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookconsole"));
    for name in ENVIRONMENT {
        command.env_remove(name);
    }
    command
}

/// `hookconsole --home HOME`.
pub fn hookconsole(home: impl AsRef<Path>) -> Command {
    let mut command = binary();
    command.arg("--home").arg(home.as_ref());
    command
}

/// The same for assert_cmd's assertions and standard input.
pub fn cli(home: impl AsRef<Path>) -> assert_cmd::Command {
    assert_cmd::Command::from_std(hookconsole(home))
}

/// `hookconsole --home HOME ARGS…` run to its end on a blocking thread, so that the
/// test's servers on the async threads go on answering meanwhile.
pub async fn output_async(home: &Path, args: &[&str]) -> Output {
    let mut command = cli(home);
    command.args(args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// What `hookconsole ARGS` prints on standard output; it must succeed.
pub fn stdout_of(home: impl AsRef<Path>, args: &[&str]) -> String {
    let output = cli(home)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).unwrap()
}

/// What `command` prints on standard error; it must end with exit status `code`.
pub fn stderr_of(command: &mut assert_cmd::Command, code: i32) -> String {
    let output = command.assert().code(code).get_output().stderr.clone();
    String::from_utf8(output).unwrap()
}

/// Sets the soft limits given (`(resource, soft limit)`, at most the hard limit, which
/// stays) in the process `command` starts, before the binary runs.
pub fn limit_resources(command: &mut Command, limits: &[(libc::__rlimit_resource_t, u64)]) {
    use std::os::unix::process::CommandExt;
    let limits = limits.to_vec();
    // SAFETY: only getrlimit and setrlimit between fork and exec, which are
    // async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            for (resource, soft) in &limits {
                let mut limit = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                if libc::getrlimit(*resource, &mut limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                limit.rlim_cur = (*soft).min(limit.rlim_max);
                if libc::setrlimit(*resource, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}
