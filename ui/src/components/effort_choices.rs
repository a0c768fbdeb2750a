//! The effort report's filter choices, shared by the report page and an effort report output
//! profile's form: projects and activities (loaded once per form) and the work items of the
//! chosen project (its tree, parents before children, loaded when the project changes).

use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{Activity, Project, ReportDimension, WorkItem};
use leptos::prelude::*;

use crate::api_client;
use crate::i18n::t;

/// `items` led by `all_key`'s text (value "").
pub fn with_all(all_key: &'static str, items: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), t(all_key).to_string())];
    v.extend(items);
    v
}

/// The projects and activities the caller may see.
#[derive(Clone, Copy)]
pub struct EffortChoices {
    pub projects: RwSignal<Vec<Project>>,
    pub activities: RwSignal<Vec<Activity>>,
}

impl EffortChoices {
    /// Starts loading both.
    pub fn load() -> EffortChoices {
        let c = EffortChoices { projects: RwSignal::new(Vec::new()), activities: RwSignal::new(Vec::new()) };
        leptos::task::spawn_local(async move {
            if let Ok(p) = api_client::call::<routes::ListProjects>(&(), &(), &Empty).await {
                c.projects.set(p);
            }
            if let Ok(a) = api_client::call::<routes::ListActivities>(&(), &(), &Empty).await {
                c.activities.set(a);
            }
        });
        c
    }

    /// "All", then each project as "code name".
    pub fn project_choices(self) -> Signal<Vec<(String, String)>> {
        Signal::derive(move || {
            with_all("effort_report.all", self.projects.get().into_iter().map(|p| (p.id.to_string(), format!("{} {}", p.code, p.name))))
        })
    }

    /// "All", then each activity of `level` (1 or 2) as "code name".
    pub fn activity_choices(self, level: i64) -> Signal<Vec<(String, String)>> {
        Signal::derive(move || {
            with_all(
                "effort_report.all",
                self.activities
                    .get()
                    .into_iter()
                    .filter(|a| a.level == level)
                    .map(|a| (a.id.to_string(), format!("{} {}", a.code, a.name))),
            )
        })
    }
}

/// "All", then the work items of the project `project` names (by path). Another project than
/// the one at the start clears `work_item` (a work item belongs to one project).
pub fn work_item_choices(project: RwSignal<String>, work_item: RwSignal<String>) -> Signal<Vec<(String, String)>> {
    let items = RwSignal::new(Vec::<WorkItem>::new());
    Effect::new(move |before: Option<String>| {
        let now = project.get();
        if before.is_some_and(|b| b != now) {
            work_item.set(String::new());
        }
        items.set(Vec::new());
        if let Ok(id) = now.parse::<i64>() {
            leptos::task::spawn_local(async move {
                if let Ok(list) = api_client::call::<routes::ListWorkItems>(&id, &(), &Empty).await
                    && project.get_untracked().parse::<i64>().ok() == Some(id)
                {
                    items.set(list);
                }
            });
        }
        now
    });
    Signal::derive(move || with_all("effort_report.work_item.all", items.get().into_iter().map(|w| (w.id.to_string(), w.path))))
}

/// A dimension's name (a grouping, a filter, a table's column).
pub fn dimension_key(d: ReportDimension) -> &'static str {
    match d {
        ReportDimension::Project => "effort_report.by.project",
        ReportDimension::WorkItem => "effort_report.by.work_item",
        ReportDimension::Activity1 => "effort_report.by.activity1",
        ReportDimension::Activity2 => "effort_report.by.activity2",
        ReportDimension::Person => "effort_report.by.person",
        ReportDimension::Organization => "effort_report.by.organization",
    }
}

/// "(none)", then every dimension a report groups by.
pub fn grouping_choices() -> Signal<Vec<(String, String)>> {
    Signal::derive(|| {
        with_all("effort_report.by.none", ReportDimension::ALL.into_iter().map(|d| (d.key().to_string(), t(dimension_key(d)).to_string())))
    })
}

/// "None", then the rounding directions.
pub fn rounding_choices() -> Signal<Vec<(String, String)>> {
    Signal::derive(|| {
        with_all(
            "effort_report.rounding.none",
            [("up", "effort_report.rounding.up"), ("down", "effort_report.rounding.down"), ("nearest", "effort_report.rounding.nearest")]
                .into_iter()
                .map(|(v, k)| (v.to_string(), t(k).to_string())),
        )
    })
}

/// What a rounding applies to: each entry, or a person's day on one row.
pub fn round_per_choices() -> Signal<Vec<(String, String)>> {
    Signal::derive(|| {
        [("entry", "effort_report.round_per.entry"), ("day", "effort_report.round_per.day")]
            .into_iter()
            .map(|(v, k)| (v.to_string(), t(k).to_string()))
            .collect()
    })
}
