import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { login, logout } from './fixtures';
import { loginAsAdmin } from './attendance-data';
import { api, write } from './api-calls';

/** A project manager who brings their team's Toggl history in, and a member of the team. */
const mori = { login: 'imp-mori', name: 'IMP Mori', email: 'imp-mori@example.com', password: 'Import-Lead-2026!' };
const hana = { login: 'imp-hana', name: 'IMP Hana', email: 'imp-hana@example.com', password: 'Import-Hana-2026!' };
const projectCode = 'IMP-E2E';
const projectName = 'IMP E2E Portal';

/** `YYYY-MM-DD` of the Monday of last week, and the days after it, in Tokyo (the company's zone). */
function lastWeek(): string[] {
  const tokyo = new Date(Date.now() + 9 * 3600_000);
  const monday = new Date(Date.UTC(tokyo.getUTCFullYear(), tokyo.getUTCMonth(), tokyo.getUTCDate()));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) - 7);
  return [0, 1, 2].map((d) => new Date(monday.getTime() + d * 86400_000).toISOString().slice(0, 10));
}

/** A Toggl Track detailed report export (its CSV columns) with a row for someone unknown. */
function togglFile(days: string[]): string {
  const header = 'User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()';
  const rows = [
    `IMP Mori,${mori.email},Acme,${projectName},,Kick-off,Yes,${days[0]},09:00:00,${days[0]},10:30:00,01:30:00,,0.00`,
    `IMP Mori,${mori.email},Acme,${projectName},,Planning,No,${days[1]},14:00:00,${days[1]},14:45:00,00:45:00,,0.00`,
    `IMP Hana,${hana.email},Acme,${projectName},,Screens,Yes,${days[2]},10:00:00,${days[2]},12:00:00,02:00:00,,0.00`,
    `Nobody,imp-nobody@example.com,Acme,${projectName},,Ghost,No,${days[2]},10:00:00,${days[2]},11:00:00,01:00:00,,0.00`,
  ];
  return [header, ...rows].join('\n') + '\n';
}

/** Mori (a manager) and Hana (a member) with their e-mail addresses, and Mori's project with Hana in it. */
async function prepare(page: Page) {
  await loginAsAdmin(page);
  const request: APIRequestContext = page.request;
  const roles = (await (await request.get(api('/roles'))).json()) as { id: number; builtin: string }[];
  const ids: number[] = [];
  for (const [who, role] of [
    [mori, 'manager'],
    [hana, 'member'],
  ] as const) {
    const created = await request.post(api('/users'), {
      headers: write,
      data: {
        login: who.login,
        display_name: who.name,
        email: who.email,
        role_id: roles.find((r) => r.builtin === role)!.id,
        password: who.password,
        language: 'en',
      },
    });
    expect([201, 409], await created.text()).toContain(created.status());
    const users = (await (await request.get(api(`/users?q=${who.login}`))).json()).users as { id: number; login: string }[];
    ids.push(users.find((u) => u.login === who.login)!.id);
  }
  const project = await request.post(api('/effort/projects'), {
    headers: write,
    data: { code: projectCode, name: projectName, manager_id: ids[0], allow_unassigned: true },
  });
  let projectId: number;
  if (project.status() === 409) {
    projectId = ((await (await request.get(api('/effort/projects'))).json()) as any[]).find((p) => p.code === projectCode).id;
  } else {
    expect(project.status(), await project.text()).toBe(201);
    projectId = (await project.json()).id;
  }
  const members = await request.put(api(`/effort/projects/${projectId}/members`), {
    headers: write,
    data: { members: [{ user_id: ids[0], role: 'manager' }, { user_id: ids[1] }] },
  });
  expect(members.status(), await members.text()).toBe(200);
  await logout(page);
}

test('effort import: a manager uploads a Toggl export, reads the report, and sees the hours on the week page', async ({ page }) => {
  test.setTimeout(180_000);
  await prepare(page);
  const days = lastWeek();
  const file = { name: 'toggl-detailed.csv', mimeType: 'text/csv', buffer: Buffer.from(togglFile(days)) };

  await login(page, mori.login, mori.password);
  await page.getByTestId('nav-effort-import').click();
  await expect(page).toHaveURL(/\/effort\/import$/);
  await expect(page.getByRole('heading', { name: 'Bring effort history in' })).toBeVisible();
  await expect(page.getByLabel('Format')).toHaveValue('');

  // A dry run first, chosen by keyboard: the report, nothing stored.
  await page.getByLabel('Dry run (store nothing)').focus();
  await page.keyboard.press('Space');
  await expect(page.getByLabel('Dry run (store nothing)')).toBeChecked();
  await page.getByTestId('effort-import-file').setInputFiles(file);
  const report = page.getByTestId('effort-import-report');
  await expect(report.getByTestId('effort-import-dry-notice')).toBeVisible();
  await expect(report.getByTestId('effort-import-summary')).toContainText('Toggl Track');
  await expect(report.getByTestId('effort-import-errors')).toHaveText('1');

  // The import: three rows stored (or already there from an earlier run on this server), the
  // unknown person's row reported by its line and field.
  await page.getByLabel('Dry run (store nothing)').uncheck();
  await page.getByTestId('effort-import-file').setInputFiles(file);
  await expect(report.getByTestId('effort-import-dry-notice')).toHaveCount(0);
  await expect(report.getByTestId('effort-import-summary')).toContainText('Rows read: 4');
  const created = Number(await report.getByTestId('effort-import-created').innerText());
  const unchanged = Number(await report.getByTestId('effort-import-unchanged').innerText());
  expect(created + unchanged).toBe(3);
  const error = report.getByTestId('effort-import-error-table').locator('tbody tr');
  await expect(error).toHaveCount(1);
  await expect(error.locator('td').nth(0)).toHaveText('5');
  await expect(error.locator('td').nth(1)).toHaveText('email');
  await expect(error.locator('td').nth(2)).toContainText('imp-nobody@example.com');

  // The same file again adds nothing.
  await page.getByTestId('effort-import-file').setInputFiles(file);
  await expect(report.getByTestId('effort-import-created')).toHaveText('0');
  await expect(report.getByTestId('effort-import-unchanged')).toHaveText('3');

  // Mori's imported hours on last week's page: 1:30 + 0:45.
  await page.getByTestId('nav-effort').click();
  await expect(page).toHaveURL(/\/effort$/);
  await page.getByTestId('effort-week-prev').click();
  const row = page.getByTestId('effort-row').filter({ hasText: projectCode });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('effort-row-total')).toHaveText('2:15');
  await logout(page);

  // Hana sees hers, brought in by her manager.
  await login(page, hana.login, hana.password);
  await page.getByTestId('nav-effort').click();
  await page.getByTestId('effort-week-prev').click();
  await expect(page.getByTestId('effort-row').filter({ hasText: projectCode }).getByTestId('effort-row-total')).toHaveText('2:00');
  // A member reaches the import page from their week, for their own rows: no "create missing".
  await page.getByTestId('effort-week-import').click();
  await expect(page).toHaveURL(/\/effort\/import$/);
  await expect(page.getByRole('heading', { name: 'Bring effort history in' })).toBeVisible();
  await expect(page.getByTestId('effort-import-create')).toHaveCount(0);
  await logout(page);
});
