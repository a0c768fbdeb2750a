import { expect, test, type Page } from '@playwright/test';
import { admin, company, ensureSetUp, isHome, login, logout } from './fixtures';

async function loginAsAdmin(page: Page) {
  await ensureSetUp(page);
  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
}

test('organisations: sub-units, rename, delete refused while in use, CSV', async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-organizations').click();
  const root = page.getByTestId(`org-${company}`);

  // "Add sub-unit" presets the parent.
  await root.getByRole('button', { name: 'Add sub-unit' }).first().click();
  let dialog = page.getByTestId('org-dialog');
  await expect(dialog.getByLabel('Parent')).toHaveValue(/\d+/);
  await dialog.getByLabel('Name').fill('Support');
  await dialog.getByTestId('org-save').click();
  await expect(root.getByTestId('org-Support')).toBeVisible();

  // A "/" in the name is refused at once, next to the field.
  await page.getByTestId('org-Support').getByRole('button', { name: 'Rename / move' }).click();
  dialog = page.getByTestId('org-dialog');
  await dialog.getByLabel('Name').fill('Support/Desk');
  await dialog.getByTestId('org-save').click();
  await expect(dialog.getByTestId('name-error')).toBeVisible();
  await dialog.getByLabel('Name').fill('Helpdesk');
  await dialog.getByTestId('org-save').click();
  await expect(root.getByTestId('org-Helpdesk')).toBeVisible();

  // The company still has sub-units and users: deleting it is refused with the server's reason.
  await root.getByRole('button', { name: 'Delete' }).first().click();
  const del = page.getByTestId('org-delete-dialog');
  await del.getByTestId('org-delete-confirm').click();
  await expect(del.getByTestId('form-error')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(del).toHaveCount(0);

  // An empty one goes.
  await page.getByTestId('org-Helpdesk').getByRole('button', { name: 'Delete' }).click();
  await page.getByTestId('org-delete-dialog').getByTestId('org-delete-confirm').click();
  await expect(page.getByTestId('org-Helpdesk')).toHaveCount(0);

  // CSV export downloads a file with the paths.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-export').click()]);
  expect(download.suggestedFilename()).toBe('organizations.csv');
  const text = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'));
  expect(text).toContain(company);

  // CSV import creates what is new and reports per line.
  await page.getByTestId('csv-import').setInputFiles({
    name: 'orgs.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`path\n${company} / Engineering\n${company} / Engineering / Team A\n`),
  });
  await expect(page.getByTestId('import-report')).toContainText('Created: 2');
  await expect(page.getByTestId('org-Team A')).toBeVisible();
});

test('users: create, validation, disable, enable, password, CSV import report', async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-users').click();

  // Client-side checks keep what was typed.
  await page.getByTestId('user-new').click();
  const dialog = page.getByTestId('user-dialog');
  await dialog.getByLabel('Login', { exact: true }).fill('hanako');
  await dialog.getByLabel('Display name').fill('Hanako Suzuki');
  await dialog.getByLabel('Email').fill('not-an-email');
  await dialog.getByLabel('Log accounts').fill('OSAKA\\hanako\nosaka\\HANAKO');
  await dialog.getByLabel('Password', { exact: true }).fill('Blue-Window-77');
  await dialog.getByTestId('user-save').click();
  await expect(dialog.getByTestId('email-error')).toBeVisible();
  await expect(dialog.getByTestId('log_accounts-error')).toContainText('twice');
  await dialog.getByLabel('Email').fill('hanako@example.com');
  await dialog.getByLabel('Log accounts').fill('OSAKA\\hanako\nhanako@osaka.example.com');
  await dialog.getByTestId('user-save').click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByTestId('user-row-hanako');
  await expect(row).toContainText('Hanako Suzuki');

  // The same login again: the server's conflict is shown and the form kept.
  await page.getByTestId('user-new').click();
  await dialog.getByLabel('Login', { exact: true }).fill('hanako');
  await dialog.getByLabel('Display name').fill('Another Hanako');
  await dialog.getByLabel('Password', { exact: true }).fill('Blue-Window-77');
  await dialog.getByTestId('user-save').click();
  await expect(dialog.getByText(/.+/).filter({ has: page.locator('.field-error, .error-banner') }).or(dialog.locator('.field-error, .error-banner'))).toBeVisible();
  await expect(dialog.getByLabel('Display name')).toHaveValue('Another Hanako');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // Disable: gone from the default list, shown with "include disabled"; the login is refused.
  await row.getByRole('button', { name: 'Disable' }).click();
  // It asks first, saying what happens to the user's sessions.
  const disable = page.getByTestId('user-disable-dialog');
  await expect(disable).toContainText('logged out at once on every device');
  await disable.getByTestId('user-disable-confirm').click();
  await expect(row).toHaveCount(0);
  await page.getByLabel('Include disabled users').check();
  await page.getByTestId('user-search-submit').click();
  await expect(row).toContainText('Disabled');
  await logout(page);
  await login(page, 'hanako', 'Blue-Window-77');
  await expect(page.getByTestId('form-error')).toHaveText('This account has been disabled. Contact your administrator.');
  await page.getByLabel('Login', { exact: true }).fill(admin.login);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(isHome);
  await page.getByTestId('nav-users').click();
  await page.getByLabel('Include disabled users').check();
  await page.getByTestId('user-search-submit').click();
  await row.getByRole('button', { name: 'Enable' }).click();
  await expect(row).toContainText('Active');

  // Set a new password; the user logs in with it.
  await row.getByRole('button', { name: 'Set password' }).click();
  const pw = page.getByTestId('password-dialog');
  await pw.getByLabel('New password').fill('Green-Door-2026');
  await pw.getByRole('button', { name: 'Save' }).click();
  await expect(pw).toHaveCount(0);

  // Search by part of the display name (other specs on this server make their own "…hana…" logins).
  await page.getByLabel('Search login or name').fill('suzu');
  await page.getByTestId('user-search-submit').click();
  await expect(page.getByTestId('user-table').locator('tbody tr')).toHaveCount(1);

  // CSV import: good rows stored, bad rows listed by line.
  await page.getByTestId('csv-import').setInputFiles({
    name: 'users.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(
      'login,display_name,email,organization,role,active,language,log_accounts\n' +
        `jiro,Jiro Sato,,${company},Member,true,ja,OSAKA\\jiro\n` +
        'bad login,Bad,,,,true,ja,\n',
    ),
  });
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Created: 1');
  await expect(report.locator('tbody tr')).toHaveCount(1);
  await expect(report.locator('tbody tr td').first()).toHaveText('3');

  await logout(page);
  await login(page, 'hanako', 'Green-Door-2026');
  await expect(page.getByTestId('home-greeting')).toContainText('Hanako Suzuki');
});

test('roles, settings and preferences', async ({ page }) => {
  await loginAsAdmin(page);

  // Roles: the administrator's permissions are read-only; a new role gets its checkboxes.
  await page.getByTestId('nav-roles').click();
  await page.getByTestId('role-row-Administrator').getByRole('button', { name: 'Edit' }).click();
  let dialog = page.getByTestId('role-dialog');
  await expect(dialog.getByLabel('Manage users')).toBeDisabled();
  await expect(dialog.getByLabel('Manage users')).toBeChecked();
  await page.keyboard.press('Escape');
  await page.getByTestId('role-new').click();
  dialog = page.getByTestId('role-dialog');
  await dialog.getByLabel('Name').fill('Auditor');
  await dialog.getByLabel('View users').check();
  await dialog.getByLabel("View everyone's attendance").check();
  await dialog.getByTestId('role-save').click();
  await expect(dialog).toHaveCount(0);
  const auditor = page.getByTestId('role-row-Auditor');
  await expect(auditor).toContainText('granted');
  await auditor.getByRole('button', { name: 'Delete' }).click();
  await page.getByTestId('role-delete-confirm').click();
  await expect(auditor).toHaveCount(0);

  // System settings.
  await page.getByTestId('nav-settings').click();
  await expect(page.getByLabel('Organisation name')).toHaveValue(company);
  await page.getByLabel('Session idle timeout (minutes)').fill('0');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('session_idle_minutes-error')).toBeVisible();
  await page.getByLabel('Session idle timeout (minutes)').fill('45');
  await page.getByTestId('settings-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');

  // Preferences: own time zone.
  await page.getByTestId('nav-preferences').click();
  await page.getByLabel('Time zone').selectOption('UTC');
  await page.getByTestId('prefs-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');
  await page.getByTestId('nav-home').click();
  await expect(page.locator('main')).toContainText('UTC');
});

test('a locked account says so, and an administrator unlocks it', async ({ page }) => {
  await ensureSetUp(page);
  await page.goto('./login');
  // Five wrong passwords lock the account (the backend's limit).
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Login', { exact: true }).fill('hanako');
    await page.getByLabel('Password', { exact: true }).fill(`wrong-${i}`);
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('form-error')).toBeVisible();
    await expect(page.getByTestId('login-submit')).toBeEnabled();
  }
  await page.getByLabel('Password', { exact: true }).fill('Green-Door-2026');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('form-error')).toContainText('locked');

  await page.getByLabel('Login', { exact: true }).fill(admin.login);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(isHome);
  await page.getByTestId('nav-users').click();
  const row = page.getByTestId('user-row-hanako');
  await expect(row).toContainText('Locked until');
  await row.getByRole('button', { name: 'Unlock' }).click();
  await expect(row).toContainText('Active');
  await logout(page);
  await login(page, 'hanako', 'Green-Door-2026');
  await expect(page.getByTestId('home-greeting')).toContainText('Hanako Suzuki');
});
