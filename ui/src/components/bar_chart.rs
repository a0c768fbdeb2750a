//! Horizontal bars in plain SVG, drawn by Leptos views: a label, a bar and its figure per row, a
//! flagged row marked by its class and by its text (never by colour alone), and an optional
//! reference line (a limit). The attendance console's overtime chart and the effort gap report
//! draw with it.

use leptos::prelude::*;

/// One row of the chart.
pub struct Bar {
    pub label: String,
    pub value: i64,
    /// The figure shown beside the bar (`12:30 ‼`, `3`).
    pub shown: String,
    pub flagged: bool,
}

/// A dashed line across the bars at `value`, labelled.
pub struct Reference {
    pub value: i64,
    pub label: String,
}

/// The chart of `bars` on a scale from 0 to `max`, captioned; `aria_label` says what it shows.
pub fn horizontal_bars(
    caption: String,
    aria_label: String,
    testid: &'static str,
    bars: Vec<Bar>,
    max: i64,
    reference: Option<Reference>,
) -> AnyView {
    let max = max.max(1);
    let (label_w, bar_w, row_h) = (180.0, 440.0, 22.0);
    let x = move |m: i64| label_w + bar_w * (m.max(0) as f64) / (max as f64);
    let height = row_h * bars.len() as f64 + 30.0;
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let y = 20.0 + row_h * i as f64;
            let w = x(b.value) - label_w;
            let name: String = if b.label.chars().count() > 22 { b.label.chars().take(21).chain(['…']).collect() } else { b.label };
            view! {
                <g class=if b.flagged { "bar over" } else { "bar" }>
                    <text x=label_w - 6.0 y=y + 15.0 text-anchor="end">{name}</text>
                    <rect x=label_w y=y + 3.0 width=w.max(1.0) height=row_h - 6.0></rect>
                    <text class="value" x=label_w + w + 4.0 y=y + 15.0>{b.shown}</text>
                </g>
            }
        })
        .collect_view();
    let line = reference.map(|r| {
        let lx = x(r.value);
        view! {
            <line class="limit" x1=lx x2=lx y1="12" y2=height - 8.0></line>
            <text class="limit-label" x=lx + 3.0 y="12">{r.label}</text>
        }
    });
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{caption}</figcaption>
            <svg viewBox=format!("0 0 700 {height}") width="100%" role="img" aria-label=aria_label>
                {rows}
                {line}
            </svg>
        </figure>
    }
    .into_any()
}
