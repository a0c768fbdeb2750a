//! The engine over a chunk: every person's days, their names and organisations.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kinmu_attendance::{
    AttendanceRules, DailyRecord, HolidayCalendar, PersonLogs, RunOptions, TerminalRecord, UserNameMode, UserNameRules, compute_people,
    compute_user_days,
};

use crate::attendance::people::{Directory, account_of, person_key};
use crate::attendance::rule_settings::RuleBook;

use super::*;

/// A person's daily record with what the store needs beside it.
pub(super) struct PersonDay {
    pub(super) record: DailyRecord,
    pub(super) account: String,
    pub(super) display_name: String,
    pub(super) organization_id: Option<i64>,
}

/// A chunk's records by date.
pub(super) struct Computed {
    /// Events inside the chunk's days under their person's rules.
    pub(super) events_used: usize,
    pub(super) daily: HashMap<NaiveDate, Vec<PersonDay>>,
    pub(super) terminals: HashMap<NaiveDate, Vec<TerminalRecord>>,
}

/// A person's display name under the company's user-name rules (`logged` is a name the person
/// logged in with).
pub(super) fn display_name(person: &str, logged: Option<&String>, names: &UserNameRules, directory: &Directory) -> String {
    if names.mode == UserNameMode::DisplayName
        && let Some(owner) = directory.owner(person)
    {
        return owner.display_name.clone();
    }
    names.display(logged.map_or(person, String::as_str), &Default::default())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn compute_chunk(
    book: &RuleBook,
    directory: &Directory,
    names: &UserNameRules,
    loaded: Loaded,
    a: NaiveDate,
    b: NaiveDate,
    previous: &HashMap<String, i64>,
    now: DateTime<Utc>,
) -> Computed {
    let Loaded { plan, persons, terminals: terminal_names, events_used, .. } = loaded;
    let (group_rules, with_terminals) = (&plan.rules, plan.with_terminals);
    let mut org_of: HashMap<String, Option<i64>> = HashMap::new();
    let mut logged: HashMap<String, String> = HashMap::new();
    let mut by_group: Vec<Vec<PersonLogs>> = (0..group_rules.len()).map(|_| Vec::new()).collect();
    for p in persons {
        org_of.insert(p.key.clone(), p.organization_id);
        logged.insert(p.key.clone(), p.logged);
        by_group[p.group].push(PersonLogs { person: p.key, logs: p.logs });
    }
    let years = [a.year() - 1, a.year(), b.year(), b.year() + 1];
    let mut daily: HashMap<NaiveDate, Vec<PersonDay>> = HashMap::new();
    let mut terminal_records: HashMap<NaiveDate, Vec<TerminalRecord>> = HashMap::new();
    let mut owned: HashSet<i64> = HashSet::new();
    let mut computed_persons: HashSet<String> = HashSet::new();
    let keyed = |rules: &AttendanceRules| {
        // Events already carry person keys: keep them as they are.
        let mut r = rules.clone();
        r.user_names = UserNameRules { mode: UserNameMode::AsLogged, strip_domain: false };
        r
    };
    for (rules, mut people) in group_rules.iter().zip(by_group) {
        if people.is_empty() {
            continue;
        }
        people.sort_by(|x, y| x.person.cmp(&y.person));
        let rules = keyed(rules);
        let calendar = HolidayCalendar::new(&rules.holidays, years);
        let options = RunOptions { terminals: with_terminals, threads: 0 };
        let result = compute_people(&people, &terminal_names, a..=b, &rules, &calendar, now, options);
        for r in result.daily {
            let owner = directory.owner(&r.user);
            if computed_persons.insert(r.user.clone())
                && let Some(o) = owner
            {
                owned.insert(o.user_id);
            }
            // A log user without an account has no known schedule: only the days they logged
            // are theirs (so the records do not depend on how the run splits its days).
            if owner.is_none() && r.logon.is_none() && r.logoff.is_none() {
                continue;
            }
            let person = r.user.clone();
            daily.entry(r.date).or_default().push(PersonDay {
                account: account_of(&person),
                display_name: display_name(&person, logged.get(&person), names, directory),
                organization_id: *org_of.get(&person).unwrap_or(&None),
                record: r,
            });
        }
        for t in result.terminals {
            terminal_records.entry(t.date).or_default().push(t);
        }
    }
    // Kinmu users with log accounts but no logs in the chunk: absent days and holidays.
    let mut seen: HashSet<String> = HashSet::new();
    for (log_account, owner) in directory.accounts() {
        if owned.contains(&owner.user_id) {
            continue;
        }
        let person = person_key(log_account, names);
        if !seen.insert(person.clone()) || computed_persons.contains(&person) {
            continue;
        }
        owned.insert(owner.user_id);
        let rules = keyed(book.for_organization(owner.organization_id));
        let calendar = HolidayCalendar::new(&rules.holidays, years);
        for r in compute_user_days(&person, std::iter::empty(), a..=b, &rules, &calendar, now) {
            daily.entry(r.date).or_default().push(PersonDay {
                account: account_of(&person),
                display_name: display_name(&person, Some(&log_account.to_string()), names, directory),
                organization_id: owner.organization_id,
                record: r,
            });
        }
    }
    // The first day's work interval, from the stored day before.
    if let Some(first) = daily.get_mut(&a) {
        for p in first.iter_mut() {
            if let (Some(cin), Some(out)) = (&p.record.clock_in, previous.get(&p.record.user)) {
                p.record.work_interval_minutes = Some((cin.time.timestamp() - out) / 60);
            }
        }
    }
    Computed { events_used, daily, terminals: terminal_records }
}
