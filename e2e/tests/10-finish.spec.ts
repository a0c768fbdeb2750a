import { expect, test } from '@playwright/test';
import { admin, ensureSetUp, isHome, login } from './fixtures';

test('a favicon, Japanese headings that break between words, and dead ends that lead home', async ({ page }) => {
  await ensureSetUp(page);
  // The page names its icon and the server has it.
  const href = await page.locator('link[rel=icon]').getAttribute('href');
  const icon = await page.request.get(`./${href}`);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');

  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
  const heading = page.locator('main h1').first();
  await expect(heading).toBeVisible();
  expect(await heading.evaluate((h) => getComputedStyle(h).wordBreak)).toBe('keep-all');

  // A page that does not exist says so and links home.
  await page.goto('./no-such-page');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.getByTestId('back-home').click();
  await expect(page).toHaveURL(isHome);

  // The desktop shell's connection page is not a page of the browser.
  await page.goto('./connection');
  await expect(page.getByTestId('back-home')).toBeVisible();
  await expect(page.locator('#url')).toHaveCount(0);
});
