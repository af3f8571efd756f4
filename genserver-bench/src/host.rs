//! Where a run happens: the workspace it belongs to and the machine it runs on.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The workspace's root directory (the bench package's parent).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench package sits in the workspace")
        .to_path_buf()
}

/// What the run ran on: date, CPU, cores, compiler, build.
pub fn machine() -> Vec<(String, String)> {
    let mut machine = Vec::new();
    machine.push(("date".to_owned(), today()));
    if let Ok(cpuinfo) = std::fs::read_to_string("/proc/cpuinfo") {
        if let Some(model) = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
        {
            machine.push(("CPU".to_owned(), model.1.trim().to_owned()));
        }
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    machine.push(("cores available".to_owned(), cores.to_string()));
    if let Ok(output) = Command::new("rustc").arg("--version").output() {
        if output.status.success() {
            let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            machine.push(("compiler".to_owned(), version));
        }
    }
    machine.push((
        "build".to_owned(),
        if cfg!(debug_assertions) {
            "debug (numbers are not meaningful)".to_owned()
        } else {
            "release".to_owned()
        },
    ));
    machine
}

/// Today's date (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_date() {
        let date = today();
        assert_eq!(date.len(), 10);
        assert!(date.starts_with("20"));
    }
}
