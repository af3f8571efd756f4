//! What the tables of W6–W8 and W9–W10 share: each workload there is measured in variants
//! (genserver's and its references), and each variant's samples give a row of the spread and
//! an entry of the JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::subject::Flavor;

/// A workload measured in variants.
pub trait Compared: Copy + Ord {
    /// Its key (`W6`, `W10-calls`).
    fn key(self) -> &'static str;
    /// The unit of its samples, as they are stored.
    fn sample_unit(self) -> &'static str;
    /// A sample as the tables show it.
    fn format_value(self, value: f64) -> String;
}

/// The samples of each (runtime, workload, variant).
pub type Samples<W> = BTreeMap<(Flavor, W, &'static str), Vec<f64>>;

/// The "Spread" section: the smallest and the largest sample of each variant.
pub fn spread<W: Compared>(samples: &Samples<W>) -> String {
    let mut md = String::from("## Spread\n\n");
    md.push_str("| runtime | workload | variant | smallest – largest |\n|---|---|---|---:|\n");
    for (&(flavor, workload, variant), samples) in samples {
        let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
        let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let _ = writeln!(
            md,
            "| {} | {} | {variant} | {} – {} |",
            flavor.key(),
            workload.key(),
            workload.format_value(min),
            workload.format_value(max)
        );
    }
    md
}

/// Every sample, as JSON.
pub fn json<W: Compared>(reps: usize, samples: &Samples<W>) -> String {
    let rows: Vec<String> = samples
        .iter()
        .map(|(&(flavor, workload, variant), samples)| {
            let samples: Vec<String> = samples.iter().map(|s| format!("{s:.3}")).collect();
            format!(
                "    {{\"runtime\": \"{}\", \"workload\": \"{}\", \"unit\": \"{}\", \
                 \"variant\": \"{variant}\", \"samples\": [{}]}}",
                flavor.key(),
                workload.key(),
                workload.sample_unit(),
                samples.join(", ")
            )
        })
        .collect();
    format!(
        "{{\n  \"reps\": {reps},\n  \"results\": [\n{}\n  ]\n}}\n",
        rows.join(",\n")
    )
}
