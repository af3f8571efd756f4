//! The samples of workloads that compare one genserver mechanism with its references in the
//! same run (W6–W8 in [`names`](crate::names), W9–W10 in [`remote`](crate::remote)): the
//! medians and ratios their tables show, the spread of every variant and the JSON of every
//! sample, written once for both.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::results::median;
use crate::subject::Flavor;

/// A workload measured as genserver's variant and its references, side by side.
pub trait Compared: Copy + Ord + 'static {
    /// Its short name (`W6`, `W10-casts`), in the spread table and the JSON.
    fn key(self) -> &'static str;
    /// The unit of its measurements.
    fn unit(self) -> &'static str;
    /// genserver's variant first, then the references.
    fn variants(self) -> &'static [&'static str];
    /// The variant the target is measured against: the first reference unless said otherwise.
    fn reference(self) -> &'static str {
        self.variants()[1]
    }
    /// A measurement, formatted for a table.
    fn format_value(self, value: f64) -> String;
}

/// Every sample of one run, by runtime flavor, workload and variant.
#[derive(Debug, Clone)]
pub struct Samples<W> {
    by_variant: BTreeMap<(Flavor, W, &'static str), Vec<f64>>,
}

impl<W> Default for Samples<W> {
    fn default() -> Self {
        Samples {
            by_variant: BTreeMap::new(),
        }
    }
}

impl<W: Compared> Samples<W> {
    /// Records one measurement of every variant of `workload`, in the order of
    /// [`Compared::variants`].
    pub fn push(&mut self, flavor: Flavor, workload: W, values: &[f64]) {
        for (&variant, &value) in workload.variants().iter().zip(values) {
            self.by_variant
                .entry((flavor, workload, variant))
                .or_default()
                .push(value);
        }
    }

    /// The samples of one variant.
    pub fn get(&self, flavor: Flavor, workload: W, variant: &'static str) -> &[f64] {
        self.by_variant
            .get(&(flavor, workload, variant))
            .map_or(&[], Vec::as_slice)
    }

    /// The median of one variant.
    pub fn median(&self, flavor: Flavor, workload: W, variant: &'static str) -> Option<f64> {
        median(self.get(flavor, workload, variant))
    }

    /// The median of one variant, formatted, or a dash.
    pub fn formatted(&self, flavor: Flavor, workload: W, variant: &'static str) -> String {
        self.median(flavor, workload, variant)
            .map_or("–".to_owned(), |value| workload.format_value(value))
    }

    /// genserver's median ÷ the reference's, in the workload's unit.
    pub fn ratio(&self, flavor: Flavor, workload: W) -> Option<f64> {
        let ours = self.median(flavor, workload, workload.variants()[0])?;
        let reference = self.median(flavor, workload, workload.reference())?;
        (reference > 0.0).then(|| ours / reference)
    }

    /// The "Spread" section: the smallest and largest sample of every variant.
    pub fn spread_markdown(&self) -> String {
        let mut md = String::from("## Spread\n\n");
        md.push_str("| runtime | workload | variant | smallest – largest |\n|---|---|---|---:|\n");
        for (&(flavor, workload, variant), samples) in &self.by_variant {
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

    /// Every sample as JSON: an object with `fields` (already JSON values, by name) first,
    /// then `results`, one row per variant.
    pub fn json(&self, fields: &[(&str, String)]) -> String {
        let mut json = String::from("{\n");
        for (name, value) in fields {
            let _ = writeln!(json, "  \"{name}\": {value},");
        }
        json.push_str("  \"results\": [\n");
        let rows: Vec<String> = self
            .by_variant
            .iter()
            .map(|(&(flavor, workload, variant), samples)| {
                let samples: Vec<String> = samples.iter().map(|s| format!("{s:.3}")).collect();
                format!(
                    "    {{\"runtime\": \"{}\", \"workload\": \"{}\", \"unit\": \"{}\", \
                     \"variant\": \"{variant}\", \"samples\": [{}]}}",
                    flavor.key(),
                    workload.key(),
                    workload.unit(),
                    samples.join(", ")
                )
            })
            .collect();
        json.push_str(&rows.join(",\n"));
        json.push_str("\n  ]\n}\n");
        json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Work;

    impl Compared for Work {
        fn key(self) -> &'static str {
            "Wx"
        }
        fn unit(self) -> &'static str {
            "ops/s"
        }
        fn variants(self) -> &'static [&'static str] {
            &["ours", "theirs", "other"]
        }
        fn format_value(self, value: f64) -> String {
            format!("{value:.1}")
        }
    }

    #[test]
    fn ratios_spreads_and_json_come_from_the_samples() {
        let mut samples = Samples::default();
        let flavor = Flavor::CurrentThread;
        samples.push(flavor, Work, &[3.0, 2.0, 9.0]);
        samples.push(flavor, Work, &[5.0, 4.0, 9.0]);
        samples.push(flavor, Work, &[4.0, 3.0, 9.0]);
        assert_eq!(samples.median(flavor, Work, "ours"), Some(4.0));
        assert_eq!(samples.ratio(flavor, Work), Some(4.0 / 3.0));
        assert_eq!(samples.formatted(flavor, Work, "nobody"), "–");
        let spread = samples.spread_markdown();
        assert!(spread.contains("| Wx | ours | 3.0 – 5.0 |"), "{spread}");
        let json = samples.json(&[("reps", "3".to_owned())]);
        assert!(
            json.starts_with("{\n  \"reps\": 3,\n  \"results\": [\n"),
            "{json}"
        );
        assert!(
            json.contains("\"variant\": \"theirs\", \"samples\": [2.000, 4.000, 3.000]"),
            "{json}"
        );
    }
}
