import { randomUUID } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { activityLevels, admin, login, logout } from './fixtures';
import { loginAsAdmin, previousMonth } from './attendance-data';

/**
 * The managers' and administrators' effort pages: an administrator sets up a project (an
 * activity, a member, a work breakdown) mostly by keyboard; a member's month is entered and
 * submitted through the API; the manager (the member's named approver) approves it on the
 * approvals page, where it waits for them, and it is locked; the
 * administrator reopens it with a reason, which its history keeps.
 */
const manager = { login: 'kimura', name: 'Kimura Kenji', password: 'Maple-Approver-2026' };
const worker = { login: 'sasaki', name: 'Sasaki Sora', password: 'Cedar-Worker-2026' };
const project = { code: 'ADM-2026-01', name: 'Portal renewal', client: 'Acme' };

const api = (path: string) => `./api/v1${path}`;
const write = { 'x-kinmu-request': '1' };

async function builtinRole(request: APIRequestContext, key: string): Promise<number> {
  const r = await request.get(api('/roles'));
  expect(r.ok(), await r.text()).toBe(true);
  const roles: { id: number; builtin: string | null }[] = await r.json();
  return roles.find((x) => x.builtin === key)!.id;
}

/** A user without log accounts (so no gap is marked against PC logs), in English. */
async function createUser(request: APIRequestContext, u: typeof manager, role: number) {
  const r = await request.post(api('/users'), {
    headers: write,
    data: { login: u.login, display_name: u.name, password: u.password, role_id: role, language: 'en' },
  });
  expect([201, 409], await r.text()).toContain(r.status());
}

/** Shows the page in Japanese for a screenshot, then switches back to English. */
async function screenshotInJapanese(page: Page, name: string, japanese: RegExp) {
  await page.getByTestId('language-switch').click();
  try {
    await expect(page.locator('main')).toContainText(japanese);
    await page.screenshot({ path: test.info().outputPath(name), fullPage: true });
  } finally {
    if ((await page.locator('html').getAttribute('lang')) === 'ja') await page.getByTestId('language-switch').click();
  }
}

test('projects, approval and the lock: set up by the administrator, approved by the manager, reopened with a reason', async ({ page, playwright, baseURL }) => {
  test.setTimeout(120_000);
  const wasm: string[] = [];
  page.on('request', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop() ?? '';
    if (name.endsWith('.wasm')) wasm.push(name);
  });
  await loginAsAdmin(page);
  await createUser(page.request, manager, await builtinRole(page.request, 'manager'));
  await createUser(page.request, worker, await builtinRole(page.request, 'member'));
  // The manager approves the worker's periods: their named approver.
  const found = async (login: string): Promise<number> => {
    const r = await page.request.get(api(`/users?q=${login}`));
    return (await r.json()).users.find((u: { login: string }) => u.login === login).id;
  };
  const named = await page.request.put(api(`/users/${await found(worker.login)}`), {
    headers: write,
    data: { approver_id: await found(manager.login) },
  });
  expect(named.ok(), await named.text()).toBe(true);

  // The effort settings page: an activity of level 1 added by keyboard (Enter submits).
  await page.getByTestId('nav-projects').click();
  await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
  // The effort administration pages come in a module of their own, fetched when first opened.
  expect(wasm).toContain('split_effort_admin.wasm');
  await page.getByTestId('effort-settings-link').click();
  await expect(page.getByRole('heading', { name: 'Effort settings' })).toBeVisible();
  await expect(page.getByLabel('Submission period')).toHaveValue('month');
  await page.locator('#activity1-code').fill('ADS');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Design work');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('activity-ADS')).toContainText('Design work');
  // The focus is back in the code field for the next one.
  await expect(page.locator('#activity1-code')).toBeFocused();
  // A gap reason for the list people choose from.
  await page.getByLabel('New reason').fill('Customer visits');
  await page.getByLabel('New reason').press('Enter');
  await expect(page.getByTestId('gap-reasons').getByTestId('gap-reason-Customer visits')).toBeVisible();
  await screenshotInJapanese(page, 'effort-settings-ja.png', /工数の設定/);

  // A project by keyboard: the code field has the focus, Tab moves on, Enter saves.
  await page.getByTestId('nav-projects').click();
  // Ready once the users and activities the dialog offers are loaded.
  await expect(page.getByTestId('project-new')).toBeEnabled();
  await page.getByTestId('project-new').focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByTestId('project-dialog');
  await expect(dialog.getByLabel('Code')).toBeFocused();
  // A missing name is refused at its field; what was typed stays.
  await page.keyboard.type(project.code);
  await page.keyboard.press('Enter');
  await expect(dialog.getByTestId('name-error')).toBeVisible();
  await expect(dialog.getByLabel('Code')).toHaveValue(project.code);
  await dialog.getByLabel('Name', { exact: true }).focus();
  await page.keyboard.type(project.name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(project.client);
  await dialog.getByLabel('Manager').selectOption({ label: `${manager.name} (${manager.login})` });
  await dialog.getByLabel('Planned start').fill(`${previousMonth()}-01`);
  await dialog.getByLabel(`${activityLevels[0]} Design work`).check();
  await dialog.getByLabel('Client or category').press('Enter');
  await expect(dialog).toHaveCount(0);
  const row = page.getByTestId(`project-${project.code}`);
  await expect(row).toContainText(project.name);
  await expect(row).toContainText(manager.name);
  const detail = page.getByTestId('project-detail');
  await expect(detail.getByRole('heading', { level: 2 })).toHaveText(`${project.code} ${project.name}`);
  // The manager is a member with the manager's role.
  await expect(detail.getByTestId(`project-member-${manager.login}`)).toContainText('Manager');

  // A member with the project role "member".
  await detail.getByTestId('project-members').click();
  const members = page.getByTestId('members-dialog');
  await members.locator(`#member-role-${worker.login}`).selectOption('member');
  await members.getByTestId('members-save').click();
  await expect(detail.getByTestId(`project-member-${worker.login}`)).toContainText('Member');

  // The work breakdown: a phase, then a task under it assigned to the member.
  await detail.getByTestId('work-item-new').click();
  const item = page.getByTestId('work-item-dialog');
  await expect(item.getByLabel('Name')).toBeFocused();
  await page.keyboard.type('Design');
  await page.keyboard.press('Tab');
  // Planned hours as a duration; a wrong one is refused at its field with the reason.
  await page.keyboard.type('2h75x');
  await page.keyboard.press('Enter');
  await expect(item.getByTestId('planned_minutes-error')).toContainText('is not a duration');
  await item.getByLabel('Planned hours').fill('2h30m');
  await item.getByLabel('Planned hours').press('Enter');
  await expect(item).toHaveCount(0);
  const design = detail.getByTestId('work-item-Design');
  await expect(design.getByTestId('work-item-planned').first()).toContainText('2:30');

  await design.getByRole('button', { name: 'Add child' }).click();
  await expect(item.getByTestId('work-item-parent')).toContainText('Design');
  await page.keyboard.type('Screens');
  await page.keyboard.press('Tab');
  await page.keyboard.type('1:30');
  await item.getByLabel('Milestone').check();
  await item.getByLabel('Progress (%)').fill('40');
  await item.getByLabel(`${worker.name} (${worker.login})`).check();
  await item.getByTestId('work-item-save').click();
  const screens = detail.getByTestId('work-item-Design / Screens');
  await expect(screens).toContainText('Screens');
  await expect(screens.getByTestId('work-item-planned')).toContainText('1:30');
  await expect(screens.getByTestId('milestone')).toBeVisible();
  await expect(screens.getByTestId('work-item-progress')).toHaveText('40%');
  await expect(screens.getByTestId('work-item-assignees')).toHaveText(worker.name);
  // The phase still has a sub-item: deleting it is refused with the server's reason.
  await design.getByRole('button', { name: 'Delete' }).first().click();
  const del = page.getByTestId('work-item-delete-dialog');
  await del.getByTestId('work-item-delete-confirm').click();
  await expect(del.getByTestId('form-error')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(del).toHaveCount(0);
  await screenshotInJapanese(page, 'effort-projects-ja.png', /作業分解/);

  // The member enters three days of last month and submits the month (through the API).
  const projects = await (await page.request.get(api('/effort/projects'))).json();
  const projectId: number = projects.find((p: { code: string }) => p.code === project.code).id;
  const items = await (await page.request.get(api(`/effort/projects/${projectId}/work-items`))).json();
  const screensId: number = items.find((w: { path: string }) => w.path === 'Design / Screens').id;
  const member = await playwright.request.newContext({ baseURL });
  try {
    const signedIn = await member.post(api('/auth/login'), { headers: write, data: { login: worker.login, password: worker.password } });
    expect(signedIn.ok(), await signedIn.text()).toBe(true);
    const month = previousMonth();
    const days = [`${month}-10`, `${month}-11`, `${month}-12`];
    const ids: string[] = [];
    for (const [i, date] of days.entries()) {
      const id = randomUUID();
      ids.push(id);
      const r = await member.put(api('/effort/entries'), {
        headers: write,
        data: { id, date, project_id: projectId, work_item_id: screensId, minutes: 60 * (i + 1), note: 'screens' },
      });
      expect(r.ok(), await r.text()).toBe(true);
    }
    const submitted = await member.post(api('/effort/periods/submit'), { headers: write, data: { date: days[0] } });
    expect(submitted.ok(), await submitted.text()).toBe(true);
    const period = await submitted.json();
    expect(period.state).toBe('submitted');

    // The manager sees it waiting, with its days' totals and no gaps, and approves it.
    await logout(page);
    await login(page, manager.login, manager.password);
    await page.getByTestId('nav-approvals').click();
    await expect(page.getByRole('heading', { name: 'Effort approvals' })).toBeVisible();
    const waiting = page.getByTestId(`waiting-${worker.login}`);
    await expect(waiting).toContainText(`${period.start} – ${period.end}`);
    await expect(waiting.getByTestId(`period-day-${days[1]}`)).toContainText('2:00');
    await expect(waiting.getByTestId('period-total')).toHaveText('6:00');
    await expect(waiting.getByTestId('period-no-gaps')).toBeVisible();
    // Sending back needs a comment, said at its field.
    await waiting.getByTestId('period-send-back').click();
    await expect(waiting.getByTestId('comment-error')).toBeVisible();
    await screenshotInJapanese(page, 'effort-approvals-ja.png', /承認待ちの期間/);
    await waiting.getByLabel('Comment').fill('Checked against the plan');
    await waiting.getByTestId('period-approve').click();
    await expect(page.getByTestId('approval-done')).toContainText('Approved');
    await expect(waiting).toHaveCount(0);
    const locked = page.getByTestId('person-periods').getByTestId(`period-${period.start}`);
    await expect(locked.getByTestId('period-locked')).toBeVisible();
    // A manager does not reopen: that is the administrator's.
    await expect(locked.getByTestId('period-reopen')).toHaveCount(0);

    // Locked: the member's change is refused by the server.
    const refused = await member.put(api('/effort/entries'), {
      headers: write,
      data: { id: ids[0], date: days[0], project_id: projectId, work_item_id: screensId, minutes: 30, expected_version: 1 },
    });
    expect(refused.status(), await refused.text()).toBe(423);
    expect((await refused.json()).code).toBe('period_locked');

    // The administrator reopens it; a reason is required and kept in the history.
    await logout(page);
    await login(page, admin.login, admin.password);
    await page.getByTestId('nav-approvals').click();
    await page.getByLabel('Login').fill(worker.login);
    await page.getByLabel('Login').press('Enter');
    const row = page.getByTestId('person-periods').getByTestId(`period-${period.start}`);
    await expect(row.getByTestId('period-state')).toContainText('Approved');
    await row.getByTestId('period-reopen').click();
    const reopen = page.getByTestId('reopen-dialog');
    await reopen.getByTestId('reopen-save').click();
    await expect(reopen.getByTestId('reason-error')).toBeVisible();
    await reopen.getByLabel('Reason for reopening').fill('Hours of the 12th booked on the wrong task');
    await reopen.getByTestId('reopen-save').click();
    await expect(reopen).toHaveCount(0);
    await expect(row.getByTestId('period-state')).toContainText('Reopened');
    await row.getByTestId('period-history-toggle').click();
    const history = page.getByTestId('period-history');
    await expect(history.locator('li')).toHaveCount(3);
    await expect(history.locator('li').nth(1)).toContainText('Checked against the plan');
    await expect(history.locator('li').nth(2)).toContainText('Reopened');
    await expect(history.locator('li').nth(2)).toContainText('Hours of the 12th booked on the wrong task');
    await screenshotInJapanese(page, 'effort-reopened-ja.png', /再オープン/);

    // Reopened: the member may change the day again.
    const changed = await member.put(api('/effort/entries'), {
      headers: write,
      data: { id: ids[0], date: days[0], project_id: projectId, work_item_id: screensId, minutes: 30, expected_version: 1 },
    });
    expect(changed.ok(), await changed.text()).toBe(true);
  } finally {
    await member.dispose();
  }
});
