//! A save killed with SIGKILL at any moment leaves the previous file or the new one,
//! never a torn one. A child process imports one of two large documents with
//! `import --replace` and is killed after a random delay; then the file must be, byte
//! for byte, one of the two documents, and must load.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // tests and benches fail loudly and print

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hookconsole::model::{Header, Integration};
use hookconsole::store::{IntegrationStore, to_document};

const INTEGRATIONS: usize = 20;
const SAMPLE_BYTES: usize = 100_000;
const BUDGET: Duration = Duration::from_secs(20);
const MAX_ITERATIONS: usize = 80;

/// A document of `INTEGRATIONS` integrations with big JSON content samples: a few MB.
fn document(tag: &str) -> Vec<Integration> {
    (0..INTEGRATIONS)
        .map(|n| {
            let mut integration = Integration::new(
                format!("{tag}-{n}"),
                format!("https://{tag}.example.com/{n}"),
            );
            integration.retry_interval = 1 + n as u32;
            integration.http_headers = vec![Header::new("Content-Type", "application/json")];
            let filler: String = std::iter::repeat_n(tag, SAMPLE_BYTES / tag.len()).collect();
            integration.content_sample = format!("{{\"n\": {n}, \"filler\": \"{filler}\"}}");
            integration
        })
        .collect()
}

/// xorshift64: enough randomness for delays, with the seed printed to replay a run.
struct Delays(u64);

impl Delays {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

fn import(home: &Path, file: &Path) -> Command {
    let mut command = support::hookconsole(home);
    command
        .arg("import")
        .arg("--replace")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The temporary files a writer has left in `home`.
fn temp_files(home: &Path) -> Vec<String> {
    fs::read_dir(home)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".integrations.yaml.") && name.ends_with(".tmp"))
        .collect()
}

#[test]
fn killed_save_leaves_the_previous_or_the_new_file() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    let documents = [document("alpha"), document("bravo")];
    let texts = documents.each_ref().map(|d| to_document(d).unwrap());
    let files = [
        work.path().join("alpha.yaml"),
        work.path().join("bravo.yaml"),
    ];
    for (file, text) in files.iter().zip(&texts) {
        fs::write(file, text).unwrap();
    }
    assert!(
        texts[0].len() > 2_000_000,
        "the documents should be a few MB"
    );
    let store = IntegrationStore::new(home.join("integrations.yaml"));

    // A full import over the other document, timed: the kills land anywhere from
    // start-up to after the rename.
    assert!(import(&home, &files[1]).status().unwrap().success());
    let started = Instant::now();
    assert!(import(&home, &files[0]).status().unwrap().success());
    let full = started.elapsed();
    assert_eq!(fs::read_to_string(store.path()).unwrap(), texts[0]);

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("full import {full:?}, seed {seed}");
    let mut delays = Delays(seed);
    let window = (full.as_millis() as u64 * 5 / 4).max(1);
    let (mut previous, mut new, mut torn_temp) = (0, 0, 0_usize);
    let mut current = 0;
    let loop_started = Instant::now();
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS && (iterations < 40 || loop_started.elapsed() < BUDGET) {
        let target = 1 - current;
        let leftovers = temp_files(&home);
        let mut child = import(&home, &files[target]).spawn().unwrap();
        let delay = if iterations % 2 == 0 {
            // Anywhere in the run: start-up, reading, validating, writing, exiting.
            let delay = Duration::from_micros(delays.next(window * 1000));
            std::thread::sleep(delay);
            delay
        } else {
            // In the write itself: once the temporary file appears, within a few ms
            // (while it is written, synced, or just after the rename).
            let started = Instant::now();
            while temp_files(&home)
                .iter()
                .all(|name| leftovers.contains(name))
                && started.elapsed() < full * 2
                && child.try_wait().unwrap().is_none()
            {
                std::thread::sleep(Duration::from_micros(100));
            }
            std::thread::sleep(Duration::from_micros(delays.next(3000)));
            started.elapsed()
        };
        let _ = child.kill(); // SIGKILL; an error means it had already exited
        child.wait().unwrap();
        let written = temp_files(&home);
        torn_temp += usize::from(written.iter().any(|name| !leftovers.contains(name)));

        let text = fs::read_to_string(store.path()).unwrap();
        let found = texts.iter().position(|t| *t == text).unwrap_or_else(|| {
            panic!(
                "iteration {iterations} (seed {seed}, delay {delay:?}): the file is neither \
                     document ({} bytes)",
                text.len()
            )
        });
        assert!(found == current || found == target);
        if found == target {
            new += 1;
            current = target;
        } else {
            previous += 1;
        }
        iterations += 1;
    }
    println!(
        "{iterations} kills in {:?}: {previous} left the previous file, {new} the new one, \
         {torn_temp} left a temp file behind",
        loop_started.elapsed()
    );
    assert!(
        previous > 0,
        "no kill landed before the rename: the test tests nothing"
    );
    assert!(
        torn_temp > 0,
        "no kill landed while the file was being written"
    );
    assert_eq!(store.load().unwrap().integrations, documents[current]);

    // The next save cleans up what killed writers left.
    assert!(
        import(&home, &files[1 - current])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(temp_files(&home), Vec::<String>::new());
    assert_eq!(
        fs::read_to_string(store.path()).unwrap(),
        texts[1 - current]
    );
}
