//! The chart of a run: one panel per runtime flavor, one group of bars per workload, one bar per
//! implementation, each bar the time (or memory) per operation relative to the hand-written
//! actor. Drawn with plotters' SVG backend, which writes text as SVG `<text>` and needs no font.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::results::Results;
use crate::subject::Impl;
use crate::workloads::Workload;

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 560;

fn color(imp: Impl) -> RGBColor {
    match imp {
        Impl::HandWritten => RGBColor(140, 140, 140),
        Impl::Genserver => RGBColor(31, 119, 180),
        Impl::Ractor => RGBColor(255, 127, 14),
        Impl::Kameo => RGBColor(44, 160, 44),
    }
}

const TARGET: RGBColor = RGBColor(214, 39, 40);

/// genserver's target as a relative cost (the chart's unit), given the hand-written median.
fn target_cost(workload: Workload, floor: f64) -> Option<f64> {
    match workload {
        Workload::W1 => Some(1.15),
        Workload::W2 => Some(1.0 / 0.85),
        Workload::W3 => Some(1.0 / 0.80),
        Workload::W4 => Some(1.30),
        Workload::W5 => (floor > 0.0).then(|| 1_000.0 / floor),
        Workload::W11 | Workload::W11b => Some(1.0 / 0.80),
        Workload::W12 => None,
    }
}

/// The chart as an SVG document.
pub fn svg(results: &Results) -> Result<String, String> {
    let mut out = String::new();
    draw(results, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn draw(results: &Results, out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let full = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    full.fill(&WHITE)?;
    let body = full.titled(
        "Time (or memory) per operation, relative to a hand-written tokio actor — lower is better",
        ("sans-serif", 20),
    )?;
    let panels = body.split_evenly((1, results.flavors.len().max(1)));
    // W12's floor grows by next to nothing: a ratio to it means nothing (its budget is in the
    // table).
    let workloads: &Vec<Workload> = &results
        .workloads
        .iter()
        .copied()
        .filter(|w| w.charted())
        .collect();
    let impls = &results.impls;
    let slots = impls.len() as f64 + 1.0;
    let bar = 1.0 / slots;

    for (panel, &flavor) in panels.iter().zip(&results.flavors) {
        let mut highest: f64 = 1.5;
        for &workload in workloads {
            for &imp in impls {
                if let Some(cost) = results.relative_cost(flavor, workload, imp) {
                    highest = highest.max(cost);
                }
            }
        }
        let top = (highest * 1.15).ceil();

        let mut chart = ChartBuilder::on(panel)
            .caption(flavor.label(), ("sans-serif", 17))
            .margin(12)
            .margin_bottom(40)
            .x_label_area_size(28)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..workloads.len() as f64, 0f64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("÷ hand-written")
            .y_label_formatter(&|v| format!("{v:.1}×"))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;

        for (index, &imp) in impls.iter().enumerate() {
            let fill = color(imp).filled();
            let bars: Vec<_> = workloads
                .iter()
                .enumerate()
                .filter_map(|(w, &workload)| {
                    let cost = results.relative_cost(flavor, workload, imp)?;
                    let x0 = w as f64 + bar * (0.5 + index as f64);
                    Some(Rectangle::new([(x0, 0.0), (x0 + bar * 0.92, cost)], fill))
                })
                .collect();
            chart
                .draw_series(bars)?
                .label(imp.label())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], fill));

            let values = workloads.iter().enumerate().filter_map(|(w, &workload)| {
                let cost = results.relative_cost(flavor, workload, imp)?;
                let x = w as f64 + bar * (0.5 + index as f64) + bar * 0.46;
                let style = TextStyle::from(("sans-serif", 10).into_font())
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                Some(EmptyElement::at((x, cost)) + Text::new(format!("{cost:.2}"), (0, -2), style))
            });
            chart.draw_series(values)?;
        }

        // genserver's target above its bar.
        if let Some(index) = impls.iter().position(|&i| i == Impl::Genserver) {
            let marks: Vec<_> = workloads
                .iter()
                .enumerate()
                .filter_map(|(w, &workload)| {
                    let floor = results.median(flavor, workload, Impl::HandWritten)?;
                    let cost = target_cost(workload, floor)?;
                    let x0 = w as f64 + bar * (0.5 + index as f64) - bar * 0.15;
                    Some(PathElement::new(
                        vec![(x0, cost), (x0 + bar * 1.22, cost)],
                        TARGET.stroke_width(2),
                    ))
                })
                .collect();
            if !marks.is_empty() {
                chart
                    .draw_series(marks)?
                    .label("genserver's target")
                    .legend(|(x, y)| {
                        PathElement::new(vec![(x, y), (x + 12, y)], TARGET.stroke_width(2))
                    });
            }
        }

        // The floor.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 1.0), (workloads.len() as f64, 1.0)],
            BLACK.stroke_width(1),
        )))?;

        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 12))
            .draw()?;

        // Workload names under each group of bars.
        for (w, &workload) in workloads.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(w as f64 + 0.5, 0.0));
            let anchor = Pos::new(HPos::Center, VPos::Top);
            let name = TextStyle::from(("sans-serif", 13).into_font())
                .color(&BLACK)
                .pos(anchor);
            let what = TextStyle::from(("sans-serif", 10).into_font())
                .color(&BLACK)
                .pos(anchor);
            full.draw(&Text::new(workload.key().to_owned(), (x, y + 6), name))?;
            full.draw(&Text::new(
                short_description(workload).to_owned(),
                (x, y + 22),
                what,
            ))?;
        }
    }
    full.present()?;
    Ok(())
}

fn short_description(workload: Workload) -> &'static str {
    match workload {
        Workload::W1 => "call latency",
        Workload::W2 => "8 callers",
        Workload::W3 => "casts",
        Workload::W4 => "start/call/stop",
        Workload::W5 => "idle memory",
        Workload::W11 => "pipeline",
        Workload::W11b => "pipeline, batched floor",
        Workload::W12 => "slow consumer",
    }
}
