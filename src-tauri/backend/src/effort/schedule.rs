//! A project's schedule, the Gantt chart of its work breakdown (issue 19): the project, its work
//! items and the effort summed per item and day, read with three queries whatever the size of
//! the project, then the pure [`kinmu_shared::effort::schedule::build`].
//!
//! Who sees the chart: the project's managers (holding `projects.manage`) and administrators, as
//! for its plan against actual and for changing the planned dates the chart edits.

use chrono::NaiveDate;
use kinmu_shared::api::{Id, ProjectSchedule};
use kinmu_shared::effort::plan::PlanItem;
use kinmu_shared::effort::schedule::{self, DayEffort, ScheduleInput};

use super::projects::{self, require_manager};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::Result;

fn day(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(|s| s.parse().ok())
}

/// The chart of project `id` as of `today`: its managers and administrators.
pub async fn project_schedule(db: &Db, actor: &Actor, id: Id, today: NaiveDate) -> Result<ProjectSchedule> {
    let p = projects::stored(db, id).await?;
    require_manager(actor, &p)?;
    type ItemRow = (i64, Option<i64>, String, String, Option<i64>, Option<String>, Option<String>, i64, Option<i64>);
    let items: Vec<PlanItem> = sqlx::query_as::<_, ItemRow>(
        "SELECT id, parent_id, name, path, planned_minutes, planned_start, planned_end, milestone, progress_percent \
         FROM work_items WHERE project_id = $1 ORDER BY path_key",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|(id, parent_id, name, path, planned_minutes, start, end, milestone, progress_percent)| PlanItem {
        id,
        parent_id,
        name,
        path,
        planned_minutes,
        planned_start: day(&start),
        planned_end: day(&end),
        milestone: milestone != 0,
        progress_percent,
        ..Default::default()
    })
    .collect();
    let effort: Vec<DayEffort> = sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT work_item_id, work_date, CAST(SUM(minutes) AS BIGINT) FROM effort_entries \
         WHERE project_id = $1 AND work_item_id IS NOT NULL AND deleted_at IS NULL GROUP BY work_item_id, work_date",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .filter_map(|(work_item_id, date, minutes)| Some(DayEffort { work_item_id, date: date.parse().ok()?, minutes }))
    .collect();
    let input = ScheduleInput {
        project_id: p.id,
        code: p.code,
        name: p.name,
        planned_start: day(&p.planned_start),
        planned_end: day(&p.planned_end),
        progress_mode: p.progress_mode,
        items,
        effort,
    };
    Ok(schedule::build(&input, today))
}
