//! A project's schedule, the Gantt chart of its work breakdown (issue 19): the project, its work
//! items (as the plan reads them) and the effort summed per item and day (from the sums per
//! person, day and row, `effort_day_rows`, as the plan), read with three queries whatever the
//! size of the project, then the pure [`kinmu_shared::effort::schedule::build`].
//!
//! Who sees the chart: the project's managers (holding `projects.manage`) and administrators, as
//! for its plan against actual and for changing the planned dates the chart edits.

use chrono::NaiveDate;
use kinmu_shared::api::{Id, ProjectSchedule};
use kinmu_shared::effort::plan::PlanItem;
use kinmu_shared::effort::schedule::{self, DayEffort, ScheduleInput};

use super::plan;
use super::projects::{self, require_manager};
use super::stored_date;
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::Result;

/// The chart of project `id` as of `today`: its managers and administrators.
pub async fn project_schedule(db: &Db, actor: &Actor, id: Id, today: NaiveDate) -> Result<ProjectSchedule> {
    let p = projects::stored(db, id).await?;
    require_manager(actor, &p)?;
    let items: Vec<PlanItem> = plan::stored_items(db, &[id]).await?.into_iter().map(|(_, item)| item).collect();
    let effort: Vec<DayEffort> = sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT work_item_id, work_date, CAST(SUM(minutes) AS BIGINT) FROM effort_day_rows \
         WHERE project_id = $1 AND work_item_id <> 0 GROUP BY work_item_id, work_date",
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
        planned_start: stored_date(&p.planned_start),
        planned_end: stored_date(&p.planned_end),
        progress_mode: p.progress_mode,
        items,
        effort,
    };
    Ok(schedule::build(&input, today))
}
