package no.elekt.consent.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's chromium and chromium-driver, installed by src/test/browser/install-chromium.sh where missing (as
 * deploy/validate.sh installs docker-compose), started headless in a fixed time zone so the test can see that the
 * console shows times in the viewer's zone. Selenium Manager is not used: the driver's path is given.
 */
final class HeadlessChromium {

    static final String TIME_ZONE = "Europe/Oslo";

    private HeadlessChromium() {
    }

    static ChromeDriver start() {
        List<String> paths = install();
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(paths.get(1)).toFile())
                .usingAnyFreePort()
                .withEnvironment(Map.of("TZ", TIME_ZONE))
                .build();
        ChromeOptions options = new ChromeOptions().setBinary(paths.get(0))
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1440,1000", "--lang=en-GB", "--force-device-scale-factor=1");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        return new ChromeDriver(service, options);
    }

    /** Runs the install script; answers the paths of chromium and chromedriver. */
    private static List<String> install() {
        try {
            Process process = new ProcessBuilder("sh", "src/test/browser/install-chromium.sh")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException("install-chromium.sh failed: " + out);
            }
            List<String> paths = out.lines().filter(l -> !l.isBlank()).toList();
            return paths.subList(paths.size() - 2, paths.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Saves a PNG under target/console, and into the directory -Dconsole.screenshots names (docs/ for the README). */
    static void screenshot(ChromeDriver browser, String name) {
        screenshot(browser, name, System.getProperty("console.screenshots", ""));
    }

    /** A failure's screenshot: under target/console only. */
    static void failureScreenshot(ChromeDriver browser) {
        screenshot(browser, "failure", "");
    }

    private static void screenshot(ChromeDriver browser, String name, String alsoTo) {
        // the whole page: the window as tall as the document for the shot, then back
        org.openqa.selenium.Dimension size = browser.manage().window().getSize();
        long height = (Long) browser.executeScript("return document.documentElement.scrollHeight");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(size.width, (int) Math.min(height + 140,
                6000)));
        byte[] png = browser.getScreenshotAs(OutputType.BYTES);
        browser.manage().window().setSize(size);
        try {
            for (String dir : List.of("target/console", alsoTo)) {
                if (!dir.isBlank()) {
                    Files.createDirectories(Path.of(dir));
                    Files.write(Path.of(dir, name + ".png"), png);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
