// The effort report's filters (issue 19, "Reports") and its scheduled files. On a shared server,
// everything here is this spec's own (names and codes start with RUI- and a stamp): two members
// book last month on a project of their own, with and without an activity. A manager filters the
// report by that project, then by the activity, then by one person (found by name), and each
// total is the sum of what remains. Then an administrator creates an effort report output
// profile in the form: a bad rounding step is refused at its field, a good one saved, and the
// profile list says it is an effort report.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { loginAsAdmin, previousMonth, tokyoToday } from './attendance-data';
import { api, write } from './api-calls';

const stamp = Date.now().toString(36);
const code = `RUI-${stamp}`;
const projectName = 'RUI report filters';
const activity = { code: `RUI-A-${stamp}`, name: `RUI Review ${stamp}` };
const people = [
  { login: `ruiworker${stamp}`, name: `RUI Worker ${stamp}`, password: 'Cedar-Filter-2026' },
  { login: `ruimate${stamp}`, name: `RUI Mate ${stamp}`, password: 'Birch-Filter-2026' },
];

async function ok(r: Awaited<ReturnType<APIRequestContext['post']>>, status = 0): Promise<any> {
  const text = await r.text();
  if (status) expect(r.status(), text).toBe(status);
  else expect(r.ok(), text).toBe(true);
  return JSON.parse(text);
}

test('effort report: filtered by an activity and a person, the totals follow; an effort output profile made in the form', async ({
  page,
  playwright,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await loginAsAdmin(page);
  const roles: { id: number; builtin: string | null }[] = await (await page.request.get(api('/roles'))).json();
  const memberRole = roles.find((r) => r.builtin === 'member')!.id;
  const ids: number[] = [];
  for (const p of people) {
    const made = await page.request.post(api('/users'), {
      headers: write,
      data: { login: p.login, display_name: p.name, password: p.password, role_id: memberRole, language: 'en' },
    });
    ids.push((await ok(made, 201)).id);
  }
  const act = await ok(await page.request.post(api('/effort/activities'), { headers: write, data: { level: 1, ...activity } }), 201);
  const project = await ok(
    await page.request.post(api('/effort/projects'), {
      headers: write,
      data: { code, name: projectName, allow_unassigned: true, status: 'active', activity_ids: [act.id] },
    }),
    201,
  );
  await ok(
    await page.request.put(api(`/effort/projects/${project.id}/members`), {
      headers: write,
      data: { members: ids.map((user_id) => ({ user_id })) },
    }),
  );
  // The worker: 1:00 with the activity and 0:30 without; the mate: 0:45 with it.
  const day = `${previousMonth()}-12`;
  const bookings: [number, number | null][][] = [
    [
      [60, act.id],
      [30, null],
    ],
    [[45, act.id]],
  ];
  for (const [i, p] of people.entries()) {
    const member = await playwright.request.newContext({ baseURL });
    try {
      await ok(await member.post(api('/auth/login'), { headers: write, data: { login: p.login, password: p.password } }));
      for (const [minutes, activity1] of bookings[i]) {
        await ok(
          await member.put(api('/effort/entries'), {
            headers: write,
            data: { id: randomUUID(), date: day, project_id: project.id, activity1_id: activity1, minutes, note: 'RUI filters' },
          }),
        );
      }
    } finally {
      await member.dispose();
    }
  }

  await page.getByTestId('nav-effort-report').click();
  await expect(page).toHaveURL(/\/effort\/report(\?|$)/);
  await page.locator('#er-from').fill(`${previousMonth()}-01`);
  await page.locator('#er-to').fill(tokyoToday());
  const total = page.getByTestId('er-total');
  // The project: both people, with and without the activity.
  await page.getByLabel('Project', { exact: true }).selectOption({ label: `${code} ${projectName}` });
  await expect(total).toHaveText('2:15');
  await expect(page.getByTestId('er-table-total')).toHaveText('2:15');
  // The activity (its list focused, then chosen): what was booked without it goes.
  await page.locator('#er-activity1').focus();
  await page.locator('#er-activity1').selectOption({ label: `${activity.code} ${activity.name}` });
  await expect(total).toHaveText('1:45');
  // One person, found by part of their name.
  await page.getByLabel('Find a person').fill(`RUI Mate ${stamp}`);
  const person = page.locator('#er-person');
  await expect(person.locator('option', { hasText: people[1].login })).toHaveCount(1);
  await person.selectOption({ label: `${people[1].name} (${people[1].login})` });
  await expect(total).toHaveText('0:45');
  await expect(page.getByTestId('er-row')).toHaveCount(1);
  // The work item filter waits for a project; the project's change keeps the other filters.
  await expect(page.locator('#er-work-item')).toBeEnabled();
  await page.getByLabel('Project', { exact: true }).selectOption({ label: 'All' });
  await expect(page.locator('#er-work-item')).toBeDisabled();
  await expect(total).toHaveText('0:45');

  // An effort report output profile, made in the form.
  await page.getByTestId('nav-attendance-admin').click();
  await page.getByTestId('subnav-profiles').click();
  await expect(page.getByRole('heading', { name: 'Output profiles' })).toBeVisible();
  const name = `RUI effort ${stamp}`;
  await page.getByTestId('profile-new').click();
  const dialog = page.getByTestId('profile-dialog');
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('Table', { exact: true }).selectOption('effort');
  await expect(dialog.getByTestId('prof-effort')).toBeVisible();
  await expect(dialog.locator('#prof-split')).toHaveCount(0);
  await dialog.getByLabel('Format', { exact: true }).selectOption('xlsx');
  await dialog.getByLabel('Output folder (absolute path on the server)', { exact: true }).fill(
    join(process.env.KINMU_E2E_DATA_DIR!, 'files', `rui-effort-${stamp}`),
  );
  await dialog.locator('#prof-effort-group1').selectOption('activity1');
  await dialog.locator('#prof-effort-group2').selectOption('person');
  await dialog.locator('#prof-effort-project').selectOption({ label: `${code} ${projectName}` });
  await dialog.locator('#prof-effort-activity1').selectOption({ label: `${activity.code} ${activity.name}` });
  // A rounding step out of range: the server's message at its field.
  await dialog.locator('#prof-effort-rounding').selectOption('up');
  await dialog.locator('#prof-effort-round-to').fill('2000');
  await dialog.getByTestId('profile-save').click();
  await expect(dialog.getByTestId('effort.round_to-error')).toContainText('1 to 1440');
  await dialog.locator('#prof-effort-round-to').fill('30');
  await dialog.getByTestId('profile-save').click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByTestId(`profile-row-${name}`);
  await expect(row.getByTestId('profile-kind')).toHaveText('Effort report');
  // As stored: the groupings, filters and rounding chosen.
  const saved = ((await (await page.request.get(api('/attendance/profiles'))).json()) as any[]).find((p) => p.name === name);
  expect(saved.effort).toMatchObject({
    group_by: 'activity1,person',
    project_id: project.id,
    activity1_id: act.id,
    rounding: 'up',
    round_to: 30,
    round_per: 'entry',
  });
  // Opened again, the form shows them.
  await row.getByTestId('profile-edit').click();
  await expect(dialog.locator('#prof-effort-group1')).toHaveValue('activity1');
  await expect(dialog.locator('#prof-effort-round-to')).toHaveValue('30');
  await page.keyboard.press('Escape');
  // Deleted again: the specs share one server, and the attendance settings spec counts the
  // profiles (an enabled profile would also write its file after every later attendance task).
  await row.getByTestId('profile-delete').click();
  await page.getByTestId('profile-delete-confirm').click();
  await expect(row).toHaveCount(0);
});
