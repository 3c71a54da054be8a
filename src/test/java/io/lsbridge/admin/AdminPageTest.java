package io.lsbridge.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;

import io.lsbridge.BridgeTestSupport;
import io.lsbridge.Browser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin page in a real headless Chromium (Debian's chromium + chromium-driver, which .ci/run
 * installs): a person signs in, connects a sandbox store, sees it ACTIVE, refreshes it and forgets
 * it. Plus the refusals: a wrong key, a POST without the CSRF token, values that must stay text.
 */
class AdminPageTest extends BridgeTestSupport {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private WebDriver driver;
    private Path profileDir;

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        // "refresh now" right after connecting must really refresh (the floor is tested elsewhere)
        p.setProperty("bridge.refresh.min-interval-seconds", "0");
        p.setProperty("bridge.admin.auto-refresh-seconds", "2");
        return p;
    }

    /** A fresh headless Chromium per class; skipped (not failed) only outside CI when Chromium is missing. */
    private WebDriver browser() throws Exception {
        if (driver == null) {
            boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
            if (!present && System.getenv("CI") == null) {
                Assumptions.abort("AdminPageTest needs Debian's chromium and chromium-driver (" + CHROMIUM + ", "
                        + CHROMEDRIVER + "): apt-get install -y chromium chromium-driver (.ci/run does it)");
            }
            profileDir = Files.createTempDirectory("admin-page-test-chromium");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM);
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profileDir);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
            driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        }
        return driver;
    }

    @AfterAll
    void closeBrowser() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (profileDir != null) {
            try (var files = Files.walk(profileDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    private void signIn(String key) throws Exception {
        WebDriver d = browser();
        d.get(base() + "/admin");
        d.manage().deleteAllCookies();
        d.get(base() + "/admin");
        WebElement field = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("key")));
        field.clear();
        field.sendKeys(key);
        d.findElement(By.id("sign-in")).click();
    }

    private By row(String tenant) {
        return By.cssSelector("tr[data-tenant='" + tenant + "']");
    }

    /** The rows reload every few seconds: find and use an element again when the list was replaced under us. */
    private <T> T retrying(Supplier<T> action) {
        for (int i = 0; ; i++) {
            try {
                return action.get();
            } catch (StaleElementReferenceException e) {
                if (i > 10) {
                    throw e;
                }
            }
        }
    }

    private String cell(String tenant, String css) {
        return retrying(() -> driver.findElement(row(tenant)).findElement(By.cssSelector(css)).getText().trim());
    }

    @Test
    void aPersonSignsInConnectsAStoreSeesItActiveRefreshesItAndForgetsIt() throws Exception {
        signIn(apiKey);
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("connections")));
        assertTrue(driver.manage().getCookieNamed(AdminGuard.COOKIE).isHttpOnly(), "the session cookie is HttpOnly");

        // "Connect a store" for X-Series, then Grant on the sandbox's consent page
        driver.findElement(By.id("connect-x-series")).click();
        WebElement store = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.name("store")));
        store.clear();
        store.sendKeys("admin-shop");
        driver.findElement(By.cssSelector("button[value='grant']")).click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Store connected"));

        // back on the admin page: the store is listed ACTIVE, and no token is anywhere in the page
        driver.get(base() + "/admin");
        waiting().until(ExpectedConditions.visibilityOfElementLocated(row("admin-shop")));
        assertEquals("ACTIVE", cell("admin-shop", "td.status"));
        assertEquals("0", cell("admin-shop", "td.refresh-count"));
        String id = connectionId("x-series", "admin-shop");
        assertFalse(driver.getPageSource().contains(accessToken(id)), "no access token in the page");

        // the list reloads by itself: a store connected elsewhere shows up without navigating
        assertEquals(200, connectStore("r-series", "admin-bikes").statusCode());
        String bikes = (String) connection("r-series", io.lsbridge.sandbox.Sandbox.tenantId("r", "admin-bikes")).get("tenant");
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(row(bikes)));

        // refresh now: the outcome is shown and the refresh count grows (in the page and in the database)
        long refreshCalls = stat("refreshCalls");
        retrying(() -> {
            driver.findElement(row("admin-shop")).findElement(By.cssSelector("button.refresh")).click();
            return null;
        });
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Refresh now: REFRESHED"));
        assertEquals("1", cell("admin-shop", "td.refresh-count"));
        assertEquals(1, ((Number) view(id).get("refreshCount")).intValue());
        assertEquals(refreshCalls + 1, stat("refreshCalls"), "one token call at the sandbox");

        // forget: the confirmation first; dismissing it keeps the store
        retrying(() -> {
            driver.findElement(row("admin-shop")).findElement(By.cssSelector("button.forget")).click();
            return null;
        });
        Alert confirm = waiting().until(ExpectedConditions.alertIsPresent());
        assertTrue(confirm.getText().contains("Forget x-series admin-shop"), confirm.getText());
        confirm.dismiss();
        assertEquals(1, rows("SELECT id FROM connection WHERE id = ?", id).size(), "dismissed: still there");

        retrying(() -> {
            driver.findElement(row("admin-shop")).findElement(By.cssSelector("button.forget")).click();
            return null;
        });
        waiting().until(ExpectedConditions.alertIsPresent()).accept();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "Connection forgotten"));
        assertTrue(driver.findElements(row("admin-shop")).isEmpty(), "the row is gone from the page");
        assertEquals(0, rows("SELECT id FROM connection WHERE id = ?", id).size(), "the row is gone from the database");
        assertFalse(driver.findElements(row(bikes)).isEmpty(), "the other store stays");

        // its events remain readable
        driver.get(base() + "/admin/connections/" + id);
        String events = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("table.events"))).getText();
        assertTrue(events.contains("DELETED") && events.contains("REFRESHED") && events.contains("CONNECTED"), events);
    }

    @Test
    void aWrongKeyGivesNoAccess() throws Exception {
        signIn("not-the-key");
        WebElement alert = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[role=alert]")));
        assertTrue(alert.getText().contains("not this bridge's API key"), alert.getText());
        assertNull(driver.manage().getCookieNamed(AdminGuard.COOKIE), "no session cookie");
        assertTrue(driver.findElements(By.id("connections")).isEmpty(), "no list");

        HttpResponse<String> wrong = new Browser().postForm(base() + "/admin/login", "key=not-the-key");
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("set-cookie").isEmpty());
        // the right key in the URL instead of the form: no session (Camel puts query parameters into headers)
        HttpResponse<String> inUrl = new Browser().postForm(base() + "/admin/login?key=" + enc(apiKey), "");
        assertEquals(401, inUrl.statusCode());
        assertTrue(inUrl.headers().firstValue("set-cookie").isEmpty());
        Browser nobody = new Browser();
        for (String path : List.of("/admin/rows", "/admin/connections/" + UUID.randomUUID())) {
            HttpResponse<String> r = nobody.get(base() + path);
            assertEquals(401, r.statusCode(), path);
            assertTrue(r.body().contains("name=\"key\""), "the sign-in form instead: " + path);
        }
    }

    @Test
    void aPostWithoutTheSessionsCsrfTokenIsRefusedWith403AndChangesNothing() {
        assertEquals(200, connectStore("x-series", "csrf-shop").statusCode());
        String id = connectionId("x-series", "csrf-shop");
        Browser person = signedIn();
        Browser other = signedIn();
        String othersToken = csrfOf(other.get(base() + "/admin").body());
        long refreshCalls = stat("refreshCalls");

        for (String form : List.of("", "csrf=", "csrf=made-up-token", "csrf=" + othersToken)) {
            HttpResponse<String> refresh = person.postForm(base() + "/admin/connections/" + id + "/refresh", form);
            assertEquals(403, refresh.statusCode(), form);
            assertTrue(refresh.body().contains("csrf_check_failed"), refresh.body());
            HttpResponse<String> forget = person.postForm(base() + "/admin/connections/" + id + "/forget", form);
            assertEquals(403, forget.statusCode(), form);
        }
        assertEquals(refreshCalls, stat("refreshCalls"), "no token call");
        assertEquals(0, ((Number) view(id).get("refreshCount")).intValue());
        assertEquals(1, rows("SELECT id FROM connection WHERE id = ?", id).size(), "not forgotten");

        // with its own token the same POST works
        HttpResponse<String> ok = person.postForm(base() + "/admin/connections/" + id + "/refresh",
                "csrf=" + csrfOf(person.get(base() + "/admin").body()));
        assertEquals(303, ok.statusCode(), ok.body());
    }

    @Test
    void theSessionCookieIsHttpOnlySameSiteStrictAndSecureBehindHttps() {
        HttpResponse<String> r = new Browser().postForm(base() + "/admin/login", "key=" + enc(apiKey));
        assertEquals(303, r.statusCode());
        String cookie = r.headers().firstValue("set-cookie").orElseThrow();
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/admin"), cookie);
        assertFalse(cookie.contains("Secure"), "plain http here: " + cookie);
        assertFalse(cookie.contains(apiKey), cookie);
        assertEquals("no-store", r.headers().firstValue("cache-control").orElse(null));
        assertEquals("DENY", r.headers().firstValue("x-frame-options").orElse(null));

        AdminGuard behindHttps = new AdminGuard();
        behindHttps.setApiKey("k");
        behindHttps.setPublicBaseUrl("https://bridge.example.com");
        assertTrue(behindHttps.cookieFor(behindHttps.login("k")).endsWith("; Secure"));
        assertNull(behindHttps.login("wrong"));
    }

    @Test
    void aSessionEndsWhenIdleEvenWhileTheListReloadsItself() {
        long[] now = {1_000_000};
        AdminGuard guard = new AdminGuard();
        guard.setApiKey("k");
        guard.setIdleMinutes(30);
        guard.setClock(() -> now[0]);
        String cookie = AdminGuard.COOKIE + "=" + guard.login("k").id();
        now[0] += 20 * 60_000;
        assertTrue(guard.requireWithoutRenewal(cookie) != null, "the background reload at 20 min");
        now[0] += 11 * 60_000;
        assertThrows(io.lsbridge.BridgeException.class, () -> guard.requireWithoutRenewal(cookie), "31 min without use");
        assertNull(guard.find(cookie));

        String used = AdminGuard.COOKIE + "=" + guard.login("k").id();
        now[0] += 20 * 60_000;
        assertTrue(guard.find(used) != null, "a page view at 20 min renews");
        now[0] += 20 * 60_000;
        assertTrue(guard.find(used) != null, "40 min after sign-in, 20 after the last use");
        now[0] += 31 * 60_000;
        assertNull(guard.find(used));
    }

    @Test
    void everyValueFromTheDatabaseIsShownAsText() throws Exception {
        String id = UUID.randomUUID().toString();
        execute("INSERT INTO connection (id, profile, tenant_key, tenant_name, kind, status, last_error, created_at, updated_at)"
                + " VALUES (?, 'x-series', 'evil-shop', ?, 'OAUTH', 'NEEDS_REAUTH', ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                id, "<img src=x onerror=\"document.title='pwned'\">", "<script>document.title='pwned'</script>");
        signIn(apiKey);
        waiting().until(ExpectedConditions.visibilityOfElementLocated(row("evil-shop")));
        assertTrue(retrying(() -> driver.findElements(By.cssSelector("#rows img, #rows script")).isEmpty()), "no markup injected");
        assertTrue(cell("evil-shop", "td.last-error").contains("<script>"), "shown as text");
        assertFalse(driver.getTitle().contains("pwned"), driver.getTitle());
        // NEEDS_REAUTH stands out in colour, with a reconnect link
        String background = retrying(() -> driver.findElement(row("evil-shop")).findElement(By.cssSelector("td.status"))
                .getCssValue("background-color"));
        assertEquals("rgba(253, 232, 232, 1)", background);
        assertEquals("/connect/x-series", retrying(() -> driver.findElement(row("evil-shop"))
                .findElement(By.cssSelector("a.reconnect")).getDomAttribute("href")));
    }

    private Browser signedIn() {
        Browser b = new Browser();
        HttpResponse<String> r = b.postForm(base() + "/admin/login", "key=" + enc(apiKey));
        assertEquals(303, r.statusCode(), r.body());
        return b;
    }

    private static String csrfOf(String page) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page);
        assertTrue(m.find(), page);
        return m.group(1);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
