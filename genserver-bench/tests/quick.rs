//! Every workload, tiny, for every implementation built in: the harness, the final-value checks,
//! the table and the chart work.

use genserver_bench::compared::Compared as _;
use genserver_bench::results::Results;
use genserver_bench::subject::{Flavor, Impl};
use genserver_bench::workloads::{Scale, Workload};
use genserver_bench::{chart, measure_memory, measure_pipeline, measure_timed};

#[test]
fn every_workload_runs_and_reports() {
    let scale = Scale::QUICK;
    let impls = Impl::available();
    let mut results = Results::new(
        scale,
        1,
        impls.clone(),
        Flavor::ALL.to_vec(),
        Workload::ALL.to_vec(),
    );
    for flavor in Flavor::ALL {
        for &imp in &impls {
            for workload in [Workload::W1, Workload::W2, Workload::W3, Workload::W4] {
                let value = measure_timed(imp, workload, flavor, scale);
                assert!(value > 0.0, "{imp} {workload} on {flavor}: {value}");
                results.push(flavor, workload, imp, value);
            }
            // In this process, not a child: the number means little, the run must complete.
            let bytes = measure_memory(imp, flavor, scale);
            assert!(bytes >= 0.0);
            results.push(flavor, Workload::W5, imp, bytes.max(1.0));
            // The pipelines, for the two implementations that have them.
            if Workload::W11.applies_to(imp) {
                let events = measure_timed(imp, Workload::W11, flavor, scale);
                assert!(events > 0.0, "{imp} W11 on {flavor}: {events}");
                results.push(flavor, Workload::W11, imp, events);
                let growth = measure_pipeline(imp, Workload::W12, flavor, scale);
                assert!(growth >= 0.0);
                results.push(flavor, Workload::W12, imp, growth);
            }
        }
    }
    let markdown = results.markdown();
    assert!(markdown.contains("genserver ÷ hand-written"), "{markdown}");
    assert!(markdown.contains("W5"), "{markdown}");
    assert!(
        markdown.contains("W11") && markdown.contains("W12"),
        "{markdown}"
    );
    let json = results.json();
    assert!(json.contains("\"workload\": \"W3\""), "{json}");
    let svg = chart::svg(&results).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("genserver"));
}

#[test]
fn w6_to_w8_run_and_report() {
    use genserver_bench::names::{self, NameResults, NameScale, NameWorkload};
    let scale = NameScale::QUICK;
    let mut results = NameResults::new(scale, 1, Flavor::ALL.to_vec(), NameWorkload::ALL.to_vec());
    for flavor in Flavor::ALL {
        for workload in NameWorkload::ALL {
            let values = names::measure(workload, flavor, scale);
            assert_eq!(values.len(), workload.variants().len());
            assert!(values.iter().all(|v| *v > 0.0), "{workload:?}: {values:?}");
            results.push(flavor, workload, &values);
        }
    }
    assert!(results.ratio(Flavor::ALL[0], NameWorkload::W6).is_some());
    let markdown = results.markdown();
    assert!(markdown.contains("dashmap"), "{markdown}");
    assert!(markdown.contains("≤ 1.10× direct"), "{markdown}");
    assert!(results.json().contains("\"workload\": \"W8\""));
}

/// W9–W10, tiny, through a nats-server of their own (with the `nats` feature).
#[cfg(feature = "nats")]
#[test]
fn w9_and_w10_run_and_report() {
    use genserver_bench::remote::{self, RemoteResults, RemoteScale, RemoteWorkload};
    let nats = remote::nats_server().expect("nats-server is installed");
    let scale = RemoteScale::QUICK;
    let mut results =
        RemoteResults::new(scale, 1, Flavor::ALL.to_vec(), RemoteWorkload::ALL.to_vec());
    for flavor in Flavor::ALL {
        for workload in RemoteWorkload::ALL {
            let values = remote::measure(workload, flavor, scale, &nats.url());
            assert_eq!(values.len(), 2);
            assert!(values.iter().all(|v| *v > 0.0), "{workload:?}: {values:?}");
            results.push(flavor, workload, &values);
        }
    }
    assert!(results.ratio(Flavor::ALL[0], RemoteWorkload::W9).is_some());
    let markdown = results.markdown();
    assert!(markdown.contains("client.request"), "{markdown}");
    assert!(markdown.contains("client.publish"), "{markdown}");
    assert!(results.json().contains("\"workload\": \"W10-casts\""));
}
