import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { kato, katoOvertime, loginAsAdmin, prepareAttendance, previousMonth } from './attendance-data';

test('rules: a server validation error is shown at its field, and a good save passes', async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-attendance-admin').click();
  await expect(page).toHaveURL(/\/attendance\/rules$/);
  const form = page.getByTestId('rules-form');
  await expect(form.locator('#rules-schedule-a')).toHaveValue('09:00');

  // Rounding past 60 minutes and a break outside the working hours: the server names both.
  await form.locator('#rules-rounding').fill('61');
  await form.getByTestId('breaks-add').click();
  await form.locator('#rules-breaks-1-a').fill('19:00');
  await form.locator('#rules-breaks-1-b').fill('19:30');
  await page.getByTestId('rules-save').click();
  const rounding = form.locator('[data-section=rounding_minutes]');
  await expect(rounding.getByTestId('rounding_minutes-error')).toContainText('0 (no rounding) to 60');
  await expect(form.locator('#rules-rounding')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.locator('[data-section=breaks]').getByTestId('breaks[1]-error')).toContainText('outside the working hours');
  // The focus goes to the first field in error.
  await expect(form.locator('#rules-breaks-1-a')).toBeFocused();

  // Fixed: saved, and the errors are gone.
  await form.locator('#rules-rounding').fill('5');
  await form.getByTestId('breaks-1-remove').click();
  await page.getByTestId('rules-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');
  await expect(form.getByTestId('rounding_minutes-error')).toHaveCount(0);
  // Back to no rounding for the other tests.
  await form.locator('#rules-rounding').fill('0');
  await page.getByTestId('rules-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');
});

test('output profile: created in the UI, run, and its file is on disk', async ({ page }) => {
  await prepareAttendance(page);
  const probe = await page.request.get('./api/v1/attendance/profiles');
  test.skip(probe.status() === 404 || probe.status() === 405, 'the server has no /attendance/profiles yet');

  await page.getByTestId('nav-attendance-admin').click();
  await page.getByTestId('subnav-profiles').click();
  await expect(page.getByRole('heading', { name: 'Output profiles' })).toBeVisible();
  // The server writes only under its configured roots: by default its data folder's `files`.
  const outside = mkdtempSync(join(tmpdir(), 'kinmu-e2e-out-'));
  const folder = join(process.env.KINMU_E2E_DATA_DIR!, 'files', 'e2e-monthly');
  await page.getByTestId('profile-new').click();
  const dialog = page.getByTestId('profile-dialog');
  await dialog.getByLabel('Name', { exact: true }).fill('E2E monthly');
  await dialog.getByLabel('Table', { exact: true }).selectOption('monthly');
  await dialog.getByLabel('Format', { exact: true }).selectOption('csv');
  await dialog.getByLabel('Encoding (CSV)', { exact: true }).selectOption('utf-8');
  // Required folder: refused at its field first.
  await dialog.getByTestId('profile-save').click();
  await expect(dialog.getByTestId('folder-error')).toBeVisible();
  // A folder outside the roots: refused at its field, saying where files may go.
  await dialog.getByLabel('Output folder (absolute path on the server)', { exact: true }).fill(outside);
  await dialog.getByTestId('profile-save').click();
  await expect(dialog.getByTestId('folder-error')).toContainText('output_roots');
  await dialog.getByLabel('Output folder (absolute path on the server)', { exact: true }).fill(folder);
  await dialog.getByTestId('profile-save').click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByTestId('profile-row-E2E monthly');
  await expect(row).toContainText('Monthly');
  await expect(row.getByTestId('profile-enabled')).toBeChecked();

  // Run now for last month: the files written are listed, and the file is there.
  await row.getByTestId('profile-run').click();
  const run = page.getByTestId('profile-run-dialog');
  await expect(run.getByLabel('Month', { exact: true })).toHaveValue(previousMonth());
  await run.getByTestId('profile-run-start').click();
  const report = run.getByTestId('profile-run-report');
  await expect(report).toBeVisible({ timeout: 30_000 });
  const path = (await report.getByTestId('profile-file').first().textContent())!.trim();
  expect(path.startsWith(folder)).toBe(true);
  expect(existsSync(path)).toBe(true);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(kato.name);
  expect(text).toContain(katoOvertime);
  await page.keyboard.press('Escape');

  // Disable, copy, delete the copy.
  await row.getByTestId('profile-enabled').uncheck();
  await expect(row.getByTestId('profile-enabled')).not.toBeChecked();
  await row.getByTestId('profile-copy').click();
  const rows = page.getByTestId('profile-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  const copy = page.locator('[data-testid^="profile-row-"]:not([data-testid="profile-row-E2E monthly"])');
  await copy.getByTestId('profile-delete').click();
  await page.getByTestId('profile-delete-confirm').click();
  await expect(rows).toHaveCount(1);
});

test('rules preview: unsaved rules give the day, and the log lines they read', async ({ page }) => {
  await prepareAttendance(page);
  const sheet = await page.request.get(`./api/v1/attendance/timesheet?user=${kato.login}&month=${previousMonth()}`);
  expect(sheet.ok(), await sheet.text()).toBe(true);
  const day = ((await sheet.json()).days as { date: string; clock_in: string }[]).find((d) => d.clock_in !== '');
  expect(day, 'a day with a clock-in').toBeDefined();

  await page.getByTestId('nav-attendance-admin').click();
  const form = page.getByTestId('rules-form');
  await expect(form.locator('#rules-rounding')).toHaveValue('0');
  // Rounding to 15 minutes, not saved: Kato's 08:50 becomes 9:00, 19:30 stays.
  await form.locator('#rules-rounding').fill('15');
  await page.getByLabel('User', { exact: true }).fill(kato.login);
  await page.locator('#preview-date').fill(day!.date);
  await page.getByTestId('preview-run').click();
  await expect(page.getByTestId('preview-clock-in')).toHaveText('9:00');
  await expect(page.getByTestId('preview-clock-out')).toHaveText('19:30');
  await expect(page.getByTestId('preview-events').locator('tbody tr.adopted')).toHaveCount(2);

  // A condition that does not read is marked at its row, and the preview asks to fix it first.
  await form.locator('#rules-clock_in-0-b').fill('LogonType');
  await page.getByTestId('preview-run').click();
  await expect(form.getByTestId('clock_in[0]-error')).toContainText('LogonType');
  await expect(form.locator('#rules-clock_in-0-b')).toHaveAttribute('aria-invalid', 'true');

  // Nothing was saved.
  await page.reload();
  await expect(page.getByTestId('rules-form').locator('#rules-rounding')).toHaveValue('0');
});

test('saving rules says which computed days keep the old rules, and rebuilds them on request', async ({ page }) => {
  await prepareAttendance(page);
  await page.getByTestId('nav-attendance-admin').click();
  const form = page.getByTestId('rules-form');
  await form.locator('#rules-rounding').fill('5');
  await page.getByTestId('rules-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');
  const offer = page.getByTestId('rules-rebuild-offer');
  await expect(offer).toContainText(`${previousMonth()}-`);
  await page.getByTestId('rules-rebuild').click();
  await expect(page.getByTestId('rules-rebuild-progress')).toBeVisible();
  await expect
    .poll(async () => (await (await page.request.get('./api/v1/attendance/task')).json()).running, { timeout: 30_000 })
    .toBeNull();
  const runs = (await (await page.request.get('./api/v1/attendance/task')).json()).recent as { trigger: string; status: string }[];
  expect(runs[0]).toMatchObject({ trigger: 'rebuild', status: 'completed' });
  await page.getByTestId('rules-rebuild-progress').click();
  await expect(page).toHaveURL(/\/attendance\/task$/);

  // Back to no rounding for the other tests.
  await page.getByTestId('subnav-rules').click();
  await page.getByTestId('rules-form').locator('#rules-rounding').fill('0');
  await page.getByTestId('rules-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');
});
