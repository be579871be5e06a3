//! A process that ends in the middle of a token refresh must not destroy the grant.
//! Against an Atlassian-like cloud that rotates refresh tokens (the one a rotation
//! replaced is accepted again for the reuse interval, later it revokes the grant),
//! `hookconsole token Jira --refresh` is interrupted at random moments while the
//! token endpoint takes its time to answer; then, as in life, the next refresh comes
//! after the reuse interval (an access token lives an hour), and it must succeed.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod oauth_support;
mod support;

use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use oauth_support::atlassian::{AtlassianCloud, SITES};
use oauth_support::cli::{authorize_by_phone, listen_on_loopback, run};
use oauth_support::provider::SECRET;
use support::hookconsole;

use hookconsole::delivery::worker::WorkerOptions;
use hookconsole::store::{Locations, TokenStore};

/// How long the token endpoint takes to answer: the window in which the provider has
/// rotated the refresh token and the client does not know the new one yet.
const ANSWER_DELAY: Duration = Duration::from_millis(30);

/// A home with the Jira Cloud preset pointed at `cloud`, authorized on a "phone", the
/// first site chosen.
async fn authorized_jira(cloud: &AtlassianCloud, home: &Path) {
    let added = cloud.add_preset(home);
    assert!(added.status.success(), "{added:?}");
    listen_on_loopback(home);
    authorize(home).await;
    let chosen = run(home, &["sites", "Jira", "--choose", SITES[0].1]);
    assert!(chosen.status.success(), "{chosen:?}");
}

async fn authorize(home: &Path) {
    let (authorized, printed) = authorize_by_phone(home, "Jira", &[]).await;
    assert!(authorized.status.success(), "{authorized:?}\n{printed}");
}

fn start_refresh(home: &Path) -> Child {
    hookconsole(home)
        .args(["token", "Jira", "--refresh"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the provider has received a token request beyond `before` (true), or
/// the process has ended first (false).
async fn request_arrived(cloud: &AtlassianCloud, before: usize, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while cloud.token_requests() == before {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(Instant::now() < deadline, "no token request arrived");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    true
}

async fn wait(mut child: Child) -> ExitStatus {
    tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap()
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill has no memory-safety preconditions; the pid is our own child's,
    // not yet waited for, so it cannot have been reused.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
}

/// Whether a refresh after the reuse interval still works: one that does not means
/// the grant is gone. Then the integration is authorized again for the next trial.
async fn grant_survives(cloud: &AtlassianCloud, home: &Path) -> bool {
    cloud.let_reuse_intervals_pass();
    let later = run(home, &["token", "Jira", "--refresh"]);
    if later.status.success() {
        return true;
    }
    let told = String::from_utf8_lossy(&later.stderr);
    assert!(told.contains("invalid_grant"), "{later:?}");
    authorize(home).await;
    false
}

/// SIGINT (Ctrl-C) at random moments of `token --refresh`: one trial in five while the
/// process starts, the others while its request is at the provider or the answer on
/// its way back. No grant may be lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_at_random_moments_of_a_refresh_never_loses_the_grant() {
    const TRIALS: usize = 50;
    let cloud = AtlassianCloud::start(3600).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    authorized_jira(&cloud, home).await;
    cloud.delay_token_answers(ANSWER_DELAY);
    let (mut broken, mut while_answering) = (0, 0);
    for trial in 0..TRIALS {
        let before = cloud.token_requests();
        let mut child = start_refresh(home);
        let in_flight = if trial % 5 == 0 {
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..20))).await;
            false
        } else if request_arrived(&cloud, before, &mut child).await {
            let window = ANSWER_DELAY.as_millis() as u64 + 10;
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..window))).await;
            true
        } else {
            false
        };
        if child.try_wait().unwrap().is_none() {
            signal(&child, libc::SIGINT);
            while_answering += usize::from(in_flight);
        }
        wait(child).await;
        if !grant_survives(&cloud, home).await {
            broken += 1;
        }
    }
    println!(
        "SIGINT: {broken} of {TRIALS} grants lost, {while_answering} interrupted while the provider answered"
    );
    assert!(
        while_answering >= TRIALS / 2,
        "only {while_answering} of {TRIALS} interrupts came while the provider answered"
    );
    let log = std::fs::read_to_string(home.join("logs/hookconsole.log")).unwrap();
    assert!(
        log.contains("refreshing the access token"),
        "the log is this run's"
    );
    assert!(
        !log.contains("refresh-") && !log.contains("access-") && !log.contains(SECRET),
        "no token or secret in the log"
    );
    assert_eq!(
        broken, 0,
        "{broken} of {TRIALS} interrupted refreshes lost the grant \
         ({while_answering} interrupted while the provider answered)"
    );
}

/// SIGKILL cannot be deferred: a process killed after the provider rotated leaves the
/// replaced refresh token stored. The next use of the token (a delivery, within the
/// reuse interval) must repair that with a refresh, before the interval is over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_refresh_is_repaired_by_the_next_delivery() {
    const TRIALS: usize = 10;
    let cloud = AtlassianCloud::start(3600).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    authorized_jira(&cloud, home).await;
    cloud.delay_token_answers(ANSWER_DELAY);
    let (mut broken, mut while_answering) = (0, 0);
    for _ in 0..TRIALS {
        let before = cloud.token_requests();
        let mut child = start_refresh(home);
        if request_arrived(&cloud, before, &mut child).await {
            let window = ANSWER_DELAY.as_millis() as u64;
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..window))).await;
        }
        if child.try_wait().unwrap().is_none() {
            signal(&child, libc::SIGKILL);
            while_answering += 1;
        }
        wait(child).await;
        let delivered = run(home, &["verify", "Jira"]);
        assert!(delivered.status.success(), "{delivered:?}");
        if !grant_survives(&cloud, home).await {
            broken += 1;
        }
    }
    println!(
        "SIGKILL: {broken} of {TRIALS} grants lost, {while_answering} killed while the provider answered"
    );
    assert!(
        while_answering >= TRIALS / 2,
        "only {while_answering} of {TRIALS} kills came while the provider answered"
    );
    assert_eq!(
        broken, 0,
        "{broken} of {TRIALS} killed refreshes lost the grant ({while_answering} killed \
         while the provider answered)"
    );
}

/// Killed after the provider rotated, and no delivery follows: the worker, running all
/// along, repairs the refresh within the reuse interval by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_worker_repairs_a_killed_refresh_by_itself() {
    let cloud = AtlassianCloud::start(3600).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    authorized_jira(&cloud, home).await;
    let locations = Locations::in_home(home);
    let worker = support::start_worker_with(
        &locations,
        WorkerOptions {
            poll: Duration::from_millis(20),
            token_repair: Duration::from_millis(100),
            socket: false,
            ..WorkerOptions::default()
        },
    );
    cloud.delay_token_answers(Duration::from_millis(500));
    let before = cloud.token_requests();
    let mut child = start_refresh(home);
    assert!(request_arrived(&cloud, before, &mut child).await);
    signal(&child, libc::SIGKILL);
    wait(child).await;
    let store = TokenStore::new(locations.tokens_file());
    let marked = || {
        store.get("Jira").unwrap().and_then(|stored| {
            stored
                .tokens()
                .map(|tokens| tokens.refresh_sent_at.is_some())
        })
    };
    assert_eq!(marked(), Some(true), "the killed refresh left its mark");
    let deadline = Instant::now() + Duration::from_secs(10);
    while marked() != Some(false) {
        assert!(
            Instant::now() < deadline,
            "the worker did not repair the refresh"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.stop().await;
    assert!(grant_survives(&cloud, home).await, "the grant was lost");
    assert_eq!(cloud.grants_revoked_by_reuse(), 0);
}
