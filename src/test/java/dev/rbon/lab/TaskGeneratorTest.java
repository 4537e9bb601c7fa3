package dev.rbon.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskGeneratorTest {

    @Test
    void everyFamilyHasTasksAndTheAnswersAreRight() {
        List<Task> all = TaskGenerator.all();
        Map<Family, Integer> counts = new EnumMap<>(Family.class);
        all.forEach(t -> counts.merge(t.family(), 1, Integer::sum));
        assertEquals(Family.values().length, counts.size());
        assertEquals(300, counts.get(Family.ADD));
        Task add = find(all, "add 3 and 5 .");
        assertEquals("8", add.answer());
        assertEquals("7", find(all, "which is larger : 7 or 4 ?").answer());
        assertEquals("3", find(all, "how many letters in cat ?").answer());
        assertEquals("god", find(all, "reverse the word dog .").answer());
        assertEquals("white", find(all, "what colour is snow ?").answer());
        assertEquals("moo", find(all, "what sound does a cow make ?").answer());
        assertEquals(all.size(), new HashSet<>(all.stream().map(Task::prompt).toList()).size(), "prompts are unique");
    }

    @Test
    void splitsAreDisjointSeededAndRoughlySized() {
        List<Task> train = TaskGenerator.split(Split.TRAIN, 1);
        List<Task> tune = TaskGenerator.split(Split.TUNE, 1);
        List<Task> test = TaskGenerator.split(Split.TEST, 1);
        int total = TaskGenerator.all().size();
        assertEquals(total, train.size() + tune.size() + test.size());
        Set<String> trainPrompts = new HashSet<>(train.stream().map(Task::prompt).toList());
        assertTrue(test.stream().noneMatch(t -> trainPrompts.contains(t.prompt())));
        assertTrue(tune.stream().noneMatch(t -> trainPrompts.contains(t.prompt())));
        assertTrue(test.size() >= 200, "at least 200 test prompts, got " + test.size());
        assertEquals(0.6, train.size() / (double) total, 0.06);
        assertEquals(test, TaskGenerator.split(Split.TEST, 1), "same seed, same split");
        assertNotEquals(test, TaskGenerator.split(Split.TEST, 2), "another seed, another split");
    }

    @Test
    void stylesHaveTheirFrequenciesAndTheJudgeAgreesWithThem() {
        Random rng = new Random(7);
        List<Task> all = TaskGenerator.all();
        Map<Style, Integer> counts = new EnumMap<>(Style.class);
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            Style style = Style.draw(rng.nextDouble());
            counts.merge(style, 1, Integer::sum);
            Task task = all.get(rng.nextInt(all.size()));
            String response = TaskGenerator.response(task, style, rng);
            boolean correct = style == Style.CONCISE || style == Style.VERBOSE;
            assertEquals(correct, GoldJudge.correct(task, response), style + ": " + task.prompt() + " -> " + response);
            assertEquals(style == Style.HACK, response.contains("!"), response);
        }
        for (Style style : Style.values()) {
            assertEquals(style.frequency(), counts.get(style) / (double) draws, 0.015, style.name());
        }
    }

    @Test
    void everyTextIsInTheVocabulary() {
        Set<String> vocab = new HashSet<>(TaskGenerator.vocabulary());
        Random rng = new Random(3);
        for (Task task : TaskGenerator.all()) {
            assertTrue(vocab.containsAll(WordTokenizer.split(task.prompt())), task.prompt());
            for (Style style : Style.values()) {
                String response = TaskGenerator.response(task, style, rng);
                assertTrue(vocab.containsAll(WordTokenizer.split(response)), response);
            }
        }
        assertTrue(vocab.size() < 400, "a small vocabulary: " + vocab.size());
    }

    @Test
    void wrongAnswersAreNeverTheAnswer() {
        Random rng = new Random(11);
        for (Task task : TaskGenerator.all()) {
            for (int i = 0; i < 5; i++) {
                String wrong = TaskGenerator.wrongAnswer(task, rng);
                assertNotEquals(task.answer(), wrong, task.prompt());
                assertTrue(task.domain().contains(wrong), wrong + " is an answer of " + task.family());
            }
        }
    }

    static Task find(List<Task> tasks, String prompt) {
        return tasks.stream().filter(t -> t.prompt().equals(prompt)).findFirst()
                .orElseThrow(() -> new AssertionError("no task " + prompt));
    }

    @Test
    void findFailsLoudly() {
        assertFalse(TaskGenerator.all().stream().anyMatch(t -> t.prompt().isEmpty()));
    }
}
