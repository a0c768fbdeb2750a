//! Reading a chunk of days' events for the engine, on either engine's fastest path.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kinmu_attendance::{AttendanceRules, ClockLog, ClockRoles, TerminalNames, UserNameRules, event_identity, terminal_name};
use kinmu_pc_logs::detail_fields;

use crate::attendance::people::{Directory, person_key};
use crate::database::sqlite_rows::{self, Param};
use crate::database::{Db, Native, postgres_copy};
use crate::error::{Error, Result};

use super::*;

/// The clock logs of attendance days `a`–`b`, by person: each stored event inside the days
/// of its person's rule set (time zone and boundary) that those rules take as a clock-in or
/// clock-out log. Only events whose operation a clock-in or clock-out condition names are
/// read, when every condition names one.
pub(super) async fn load_events(db: &Db, ctx: &Context, a: NaiveDate, b: NaiveDate) -> Result<Loaded> {
    let plan = Arc::new(LoadPlan::new(ctx, a, b));
    let start = plan.windows.iter().map(|w| w.0).min().expect("company rules");
    let end = plan.windows.iter().map(|w| w.1).max().expect("company rules");
    const COLUMNS: &str = "log_user, occurred_at, host, target, operation, detail";
    let sqlite_sql = format!("SELECT {COLUMNS} FROM attendance_events WHERE occurred_at >= $1 AND occurred_at < $2");
    // PostgreSQL filters in its own process, comparing in the "C" collation (ASCII case, as
    // `Loaded::wants` does; a locale's UPPER() converts every operation to wide characters
    // and back). SQLite's UPPER() would copy every operation, so there the rows are filtered
    // as they are read (`Loaded::wants`).
    let mut postgres_filter = String::new();
    if let Some(operations) = &plan.operations {
        if operations.is_empty() {
            return Ok(Loaded::new(plan));
        }
        let listed: Vec<String> = operations.iter().map(|o| postgres_copy::text_literal(o)).collect();
        postgres_filter = format!(" AND UPPER(operation COLLATE \"C\") IN ({})", listed.join(", "));
    }
    // Millions of rows: through the engine's own driver, reading the text in place, one
    // slice of the time range per core, each into its own state, merged at the end.
    let parts = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    // Logs crowd into working hours: each reader takes every parts-th quarter of an hour, so
    // the readers get about as many rows each.
    const SLICE_MICROS: i64 = 15 * 60 * 1_000_000;
    let slices: Vec<(i64, i64)> =
        (0..).map(|i| start + i * SLICE_MICROS).take_while(|from| *from < end).map(|from| (from, (from + SLICE_MICROS).min(end))).collect();
    let mut readers = Vec::new();
    for reader in 0..parts {
        let mine: Vec<(i64, i64)> = slices.iter().copied().skip(reader).step_by(parts).collect();
        let loaded = Loaded::new(plan.clone());
        readers.push(match db.native().clone() {
            Native::Sqlite(pool) => {
                let sql = sqlite_sql.clone();
                tokio::spawn(async move {
                    let mut loaded = loaded;
                    for (from, to) in mine {
                        let params = vec![Param::Int(from), Param::Int(to)];
                        loaded = sqlite_rows::for_each_row(&pool, sql.clone(), params, loaded, |loaded, row| {
                            if !loaded.wants(row.text(4)?) {
                                return Ok(());
                            }
                            loaded.add(row.text(0)?, row.int(1), row.text(2)?, row.text(3)?, row.text(4)?, row.text(5)?);
                            Ok(())
                        })
                        .await?;
                    }
                    Ok(loaded)
                })
            }
            // Through `COPY … TO STDOUT` in binary: the rows arrive without a statement's
            // per-row decoding (the slice's bounds are in the query's text: COPY takes no
            // parameters).
            Native::Postgres(pool) => {
                let filter = postgres_filter.clone();
                tokio::spawn(async move {
                    let mut conn = pool.acquire().await?;
                    let mut loaded = loaded;
                    for (from, to) in mine {
                        let query =
                            format!("SELECT {COLUMNS} FROM attendance_events WHERE occurred_at >= {from} AND occurred_at < {to}{filter}");
                        let read = postgres_copy::read_binary(&mut conn, &query, 6, loaded, |loaded, c| {
                            loaded.add(c[0].text()?, c[1].int()?, c[2].text()?, c[3].text()?, c[4].text()?, c[5].text()?);
                            Ok(())
                        })
                        .await;
                        loaded = match read {
                            Ok(loaded) => loaded,
                            Err(e) => {
                                // The rest of the COPY may still be on its way: not for the pool.
                                conn.close_on_drop();
                                return Err(e);
                            }
                        };
                    }
                    Ok::<_, Error>(loaded)
                })
            }
        });
    }
    let mut merged: Option<Loaded> = None;
    for reader in readers {
        let part = reader.await.map_err(|e| Error::Internal(format!("reading the events stopped: {e}")))??;
        match merged.as_mut() {
            None => merged = Some(part),
            Some(m) => m.absorb(part),
        }
    }
    Ok(merged.unwrap_or_else(|| Loaded::new(plan)))
}

/// What every reader of [`load_events`] reads by, built once for the chunk of days.
pub(super) struct LoadPlan {
    pub(super) names: UserNameRules,
    pub(super) directory: Directory,
    /// Each rule set's rules and its days' window (microseconds), and the rule set of each
    /// organisation that has its own.
    pub(super) rules: Vec<AttendanceRules>,
    pub(super) windows: Vec<(i64, i64)>,
    pub(super) group_of_org: HashMap<i64, usize>,
    /// The operations (upper case) some condition names (`None`: a condition names none,
    /// every event counts).
    pub(super) operations: Option<Vec<String>>,
    /// Whether terminals are named (per-terminal records are asked for).
    pub(super) with_terminals: bool,
}

impl LoadPlan {
    fn new(ctx: &Context, a: NaiveDate, b: NaiveDate) -> LoadPlan {
        let groups = ctx.book.groups();
        let group_of_org = groups.iter().enumerate().flat_map(|(i, (_, orgs))| orgs.iter().map(move |o| (*o, i))).collect();
        // Each rule set's days begin at its own boundary in its own time zone.
        let windows = groups
            .iter()
            .map(|(r, _)| {
                (
                    local_instant(r.time_zone, a, r.day_boundary).timestamp_micros(),
                    local_instant(r.time_zone, b + Duration::days(1), r.day_boundary).timestamp_micros(),
                )
            })
            .collect();
        let operations: Option<BTreeSet<String>> = groups
            .iter()
            .flat_map(|(r, _)| r.clock_in.iter().chain(r.clock_out.iter()))
            .map(|c| c.operation.as_ref().map(|o| o.trim().to_ascii_uppercase()))
            .collect();
        LoadPlan {
            names: ctx.names.clone(),
            directory: ctx.directory.clone(),
            rules: groups.into_iter().map(|(r, _)| r).collect(),
            windows,
            group_of_org,
            operations: operations.map(|ops| ops.into_iter().collect()),
            with_terminals: ctx.settings.terminals,
        }
    }
}

/// What a reader of [`load_events`] has read: each person's clock logs under the rules of the
/// person's organisation, read from the rows in place (no event is built).
pub(super) struct Loaded {
    pub(super) plan: Arc<LoadPlan>,
    pub(super) terminals: TerminalNames,
    /// Each logged name's person (an index into `persons`).
    pub(super) by_logged: foldhash::HashMap<String, usize>,
    pub(super) by_key: foldhash::HashMap<String, usize>,
    pub(super) persons: Vec<LoadedPerson>,
    /// Events inside their person's days.
    pub(super) events_used: usize,
}

/// One person's share of [`Loaded`].
pub(super) struct LoadedPerson {
    pub(super) key: String,
    /// The first name the person logged in with, for the display name, and when.
    pub(super) logged: String,
    pub(super) first_at: i64,
    pub(super) organization_id: Option<i64>,
    /// The person's rule set (an index into `LoadPlan::rules`).
    pub(super) group: usize,
    pub(super) logs: Vec<ClockLog>,
    /// The terminal of the person's last clock log (most are on the same one: a name comparison
    /// instead of a lookup).
    pub(super) last_terminal: Option<u32>,
}

impl Loaded {
    fn new(plan: Arc<LoadPlan>) -> Loaded {
        Loaded {
            plan,
            terminals: TerminalNames::new(),
            by_logged: Default::default(),
            by_key: Default::default(),
            persons: Vec::new(),
            events_used: 0,
        }
    }

    /// Adds what another reader of the same days has read. Each reader reads its slices in
    /// time order, so a person's first logged name is the one read first by either.
    fn absorb(&mut self, other: Loaded) {
        self.events_used += other.events_used;
        let mut index_of_other: Vec<usize> = Vec::with_capacity(other.persons.len());
        for p in &other.persons {
            let mine = match self.by_key.get(&p.key) {
                Some(m) => {
                    let mine = &mut self.persons[*m];
                    if p.first_at < mine.first_at {
                        mine.first_at = p.first_at;
                        mine.logged = p.logged.clone();
                    }
                    *m
                }
                None => {
                    self.persons.push(LoadedPerson {
                        key: p.key.clone(),
                        logged: p.logged.clone(),
                        first_at: p.first_at,
                        organization_id: p.organization_id,
                        group: p.group,
                        logs: Vec::new(),
                        last_terminal: None,
                    });
                    self.by_key.insert(p.key.clone(), self.persons.len() - 1);
                    self.persons.len() - 1
                }
            };
            index_of_other.push(mine);
        }
        for (logged, i) in other.by_logged {
            self.by_logged.entry(logged).or_insert(index_of_other[i]);
        }
        // The other reader's terminal indexes in this one's table, looked up once per terminal
        // (none without terminals: every log's index stays 0).
        let terminals: Vec<u32> = (0..other.terminals.len() as u32).map(|t| self.terminals.index(other.terminals.name(t))).collect();
        for (p, mine) in other.persons.into_iter().zip(index_of_other) {
            self.persons[mine].logs.extend(p.logs.into_iter().map(|mut l| {
                l.terminal = terminals.get(l.terminal as usize).copied().unwrap_or(0);
                l
            }));
        }
    }

    /// Whether an event with this operation may be a clock log.
    fn wants(&self, operation: &str) -> bool {
        self.plan.operations.as_ref().is_none_or(|ops| ops.iter().any(|o| o.eq_ignore_ascii_case(operation.trim())))
    }

    fn person(&mut self, logged: &str, at: i64) -> usize {
        if let Some(i) = self.by_logged.get(logged) {
            return *i;
        }
        let key = person_key(logged, &self.plan.names);
        let i = match self.by_key.get(&key) {
            Some(i) => *i,
            None => {
                let organization_id = self.plan.directory.owner(&key).and_then(|o| o.organization_id);
                let group = organization_id.and_then(|o| self.plan.group_of_org.get(&o).copied()).unwrap_or(0);
                let logged = logged.to_string();
                self.persons.push(LoadedPerson {
                    key: key.clone(),
                    logged,
                    first_at: at,
                    organization_id,
                    group,
                    logs: Vec::new(),
                    last_terminal: None,
                });
                self.by_key.insert(key, self.persons.len() - 1);
                self.persons.len() - 1
            }
        };
        self.by_logged.insert(logged.to_string(), i);
        i
    }

    fn add(&mut self, logged: &str, at: i64, host: &str, target: &str, operation: &str, detail: &str) {
        let i = self.person(logged, at);
        let group = self.persons[i].group;
        let (from, to) = self.plan.windows[group];
        if at < from || at >= to {
            return;
        }
        let Some(time) = DateTime::<Utc>::from_timestamp_micros(at) else { return };
        self.events_used += 1;
        let rules = &self.plan.rules[group];
        let fields = detail_fields(detail);
        let (clock_in, clock_out) = rules.clock_roles(operation, fields.as_slice());
        if !clock_in && !clock_out {
            return;
        }
        let terminal = if self.plan.with_terminals {
            let name = terminal_name(rules, target, host, fields.as_slice());
            match self.persons[i].last_terminal {
                Some(t) if self.terminals.name(t) == name => t,
                _ => self.terminals.index(name),
            }
        } else {
            0
        };
        let identity = event_identity(host, target, operation, detail);
        let person = &mut self.persons[i];
        person.last_terminal = Some(terminal);
        person.logs.push(ClockLog { time, clock_in, clock_out, identity, terminal });
    }
}

/// Each person's stored clock-out on `date - 1`, for the first day's work interval.
pub(super) async fn previous_clock_outs(db: &Db, date: NaiveDate) -> Result<HashMap<String, i64>> {
    let Some(before) = date.pred_opt() else { return Ok(HashMap::new()) };
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT person_key, clock_out_at FROM attendance_daily WHERE work_date = $1 AND clock_out_at IS NOT NULL")
            .bind(before.to_string())
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}
