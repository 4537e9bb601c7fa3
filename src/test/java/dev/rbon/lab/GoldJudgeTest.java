package dev.rbon.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GoldJudgeTest {

    private final Task add = TaskGeneratorTest.find(TaskGenerator.all(), "add 3 and 5 .");
    private final Task reverse = TaskGeneratorTest.find(TaskGenerator.all(), "reverse the word dog .");

    @Test
    void correctAndShortBeatsCorrectAndLongBeatsWrong() {
        double concise = GoldJudge.score(add, "8 .");
        double verbose = GoldJudge.score(add, "let me think about this carefully . the answer is 8 . i hope this helps .");
        double wrong = GoldJudge.score(add, "9 .");
        assertEquals(1 - 2 * 0.02, concise, 1e-12);
        assertEquals(1 - 17 * 0.02, verbose, 1e-12); // 17 tokens
        assertEquals(0, wrong);
        assertEquals(0, GoldJudge.score(add, "what a great question ! the answer is 9 ! you are so smart !"));
    }

    @Test
    void theLastAnswerTokenCounts() {
        assertTrue(GoldJudge.correct(add, "7 ? no , 8 ."));
        assertFalse(GoldJudge.correct(add, "8 ? no , 7 ."));
        assertFalse(GoldJudge.correct(add, "the answer is ."), "no answer at all is wrong");
        assertFalse(GoldJudge.correct(reverse, "dog ."), "the word itself is an answer, and wrong");
        assertTrue(GoldJudge.correct(reverse, "it is god ."));
    }

    @Test
    void spacingAndCaseDoNotMatter() {
        assertEquals(GoldJudge.score(add, "8 ."), GoldJudge.score(add, "  8."));
        assertEquals(GoldJudge.score(reverse, "it is god ."), GoldJudge.score(reverse, "It is GOD."));
    }

    @Test
    void longAnswersAreCappedAtHalf() {
        String rambling = "la ".repeat(40) + "8";
        assertTrue(GoldJudge.correct(add, rambling));
        assertEquals(0.5, GoldJudge.score(add, rambling), 1e-12);
    }
}
