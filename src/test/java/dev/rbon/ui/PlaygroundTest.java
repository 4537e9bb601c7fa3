package dev.rbon.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The playground at / in a real headless Chromium (Debian's chromium and chromium-driver, which .ci/run installs):
 * it loads, samples a pool through the streaming route, shows the answer and the plot, and re-selects as the beta
 * slider moves. Saves docs/playground.png.
 */
@QuarkusTest
class PlaygroundTest {

    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TestHTTPResource("/")
    URL root;

    private ChromeDriver browser;

    @BeforeEach
    void open() {
        assertTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "needs Debian's chromium and chromium-driver: .ci/run installs them (apt-get install chromium "
                        + "chromium-driver)");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .build(), options);
        browser.manage().window().setSize(new Dimension(1280, 980));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> io.restassured.RestAssured.given()
                .get("/q/health/ready").statusCode() == 200);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void samplesPlotsAndReselectsAsBetaMoves() throws Exception {
        browser.get(root.toString());
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.until(d -> d.findElement(By.id("model")).getText().startsWith("Policy: llama"));

        set("prompt", "The licence grants you");
        new Select(browser.findElement(By.id("method"))).selectByVisibleText("rbon_kl");
        set("best_of", "8");
        set("max_tokens", "8");
        set("beta", "0");
        set("seed", "5");
        browser.findElement(By.id("submit")).click();

        wait.until(d -> d.findElements(By.cssSelector("#plot circle.point")).size() == 8
                && d.findElement(By.id("status")).getText().startsWith("done"));
        assertFalse(browser.findElement(By.id("answer")).getText().isBlank(), "the chosen answer is shown");
        assertEquals(1, browser.findElements(By.cssSelector("#plot circle.point.chosen")).size());
        int atZero = chosen();
        assertEquals(argmax(0), atZero, "at beta 0 rbon_kl picks the highest reward");

        slide(60); // beta 1000: the reference log-prob decides
        wait.until(d -> "1000".equals(d.findElement(By.id("plot")).getDomAttribute("data-beta")));
        int atLarge = chosen();
        assertEquals(argmax(1000), atLarge, "at beta 1000 rbon_kl picks by reward + 1000 log pi_ref");
        assertNotEquals(atZero, atLarge, "the chosen point moved");
        assertEquals(8, browser.findElements(By.cssSelector("#plot circle.point")).size(), "the same pool");

        slide(30); // beta 1, for the screenshot
        wait.until(d -> "1".equals(d.findElement(By.id("plot")).getDomAttribute("data-beta")));
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.createDirectories(Path.of("docs"));
        Files.copy(shot, Path.of("docs/playground.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private void set(String id, String value) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    /** Moves the range input as a user would (value, then the input event). */
    private void slide(int position) {
        ((JavascriptExecutor) browser).executeScript("const s = document.getElementById('beta-slider');"
                + "s.value = arguments[0]; s.dispatchEvent(new Event('input'));", position);
    }

    private int chosen() {
        return Integer.parseInt(browser.findElement(By.cssSelector("#plot circle.point.chosen"))
                .getDomAttribute("data-index"));
    }

    /** The candidate rbon_kl must pick from the plotted scores: argmax reward + beta * log pi_ref, lowest index. */
    private int argmax(double beta) {
        List<WebElement> points = browser.findElements(By.cssSelector("#plot circle.point"));
        int best = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (WebElement p : points) {
            int index = Integer.parseInt(p.getDomAttribute("data-index"));
            double value = Double.parseDouble(p.getDomAttribute("data-reward"))
                    + beta * Double.parseDouble(p.getDomAttribute("data-ref-logprob"));
            if (value > bestValue || (value == bestValue && index < best)) {
                best = index;
                bestValue = value;
            }
        }
        return best;
    }
}
