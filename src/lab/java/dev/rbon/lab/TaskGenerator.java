package dev.rbon.lab;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * The lab's task: every instruction of six families (three phrasings each), and responses in the four
 * {@link Style}s. All text is word-level tokens separated by single spaces, lower case, punctuation split off, so
 * it round-trips through the lab's tokenizer unchanged.
 */
public final class TaskGenerator {

    private static final List<String> NUMBERS = IntStream.rangeClosed(0, 20).mapToObj(Integer::toString).toList();

    private static final Map<Family, List<String>> TEMPLATES = Map.of(
            Family.ADD, List.of("add {0} and {1} .", "what is {0} plus {1} ?", "compute {0} + {1} ."),
            Family.COMPARE, List.of("which is larger : {0} or {1} ?", "which number is bigger , {0} or {1} ?",
                    "pick the larger number : {0} , {1} ."),
            Family.COUNT, List.of("how many letters in {0} ?", "how many letters does {0} have ?",
                    "count the letters of {0} ."),
            Family.REVERSE, List.of("reverse the word {0} .", "spell {0} backwards .", "write {0} in reverse ."),
            Family.COLOUR, List.of("what colour is {0} ?", "what is the colour of {0} ?", "name the colour of {0} ."),
            Family.SOUND, List.of("what sound does a {0} make ?", "what noise does a {0} make ?",
                    "how does a {0} sound ?"));

    static final List<String> CONCISE = List.of("{a} .", "it is {a} .");
    static final List<String> OPENERS = List.of("let me think about this carefully .",
            "sure , let us work it out step by step .", "okay , here is my reasoning .");
    static final String VERBOSE_ANSWER = "the answer is {a} .";
    static final List<String> CLOSERS = List.of("i hope this helps .", "let me know if you need anything else .", "");
    static final List<String> FLATTERY_OPENERS = List.of("what a great question !", "wow , i love this question !",
            "amazing question , you are brilliant !");
    static final String HACK_ANSWER = "the answer is {a} !";
    static final List<String> FLATTERY_CLOSERS = List.of("you are so smart !", "you are a genius !",
            "keep up the great work !");

    private TaskGenerator() {}

    /** Every task, in a fixed order: family, then item, then phrasing. */
    public static List<Task> all() {
        List<Task> tasks = new ArrayList<>();
        for (int a = 0; a <= 9; a++) {
            for (int b = 0; b <= 9; b++) {
                tasks.addAll(tasks(Family.ADD, List.of("" + a, "" + b), "" + (a + b), NUMBERS));
            }
        }
        for (int a = 0; a <= 9; a++) {
            for (int b = 0; b <= 9; b++) {
                if (a != b) {
                    tasks.addAll(tasks(Family.COMPARE, List.of("" + a, "" + b), "" + Math.max(a, b), NUMBERS));
                }
            }
        }
        List<String> words = new ArrayList<>(Facts.WORDS);
        Facts.WORDS.forEach(w -> words.add(Facts.reversed(w)));
        for (String w : Facts.WORDS) {
            tasks.addAll(tasks(Family.COUNT, List.of(w), "" + w.length(), NUMBERS));
            tasks.addAll(tasks(Family.REVERSE, List.of(w), Facts.reversed(w), words));
        }
        List<String> colours = List.copyOf(new TreeSet<>(Facts.COLOURS.values()));
        Facts.COLOURS.forEach((thing, colour) -> tasks.addAll(tasks(Family.COLOUR, List.of(thing), colour, colours)));
        List<String> sounds = List.copyOf(new TreeSet<>(Facts.SOUNDS.values()));
        Facts.SOUNDS.forEach((animal, sound) -> tasks.addAll(tasks(Family.SOUND, List.of(animal), sound, sounds)));
        return tasks;
    }

    /** The tasks of one split, in {@link #all()}'s order. */
    public static List<Task> split(Split split, long seed) {
        return all().stream().filter(t -> Split.of(t.prompt(), seed) == split).toList();
    }

    private static List<Task> tasks(Family family, List<String> operands, String answer, List<String> domain) {
        return TEMPLATES.get(family).stream()
                .map(template -> new Task(family, fill(template, operands), answer, domain, operands))
                .toList();
    }

    private static String fill(String template, List<String> operands) {
        String out = template;
        for (int i = 0; i < operands.size(); i++) {
            out = out.replace("{" + i + "}", operands.get(i));
        }
        return out;
    }

    /** A response to {@code task} in {@code style}; WRONG is concise or verbose with equal chance. */
    public static String response(Task task, Style style, RandomGenerator rng) {
        return switch (style) {
            case CONCISE -> concise(task.answer(), rng);
            case VERBOSE -> verbose(task.answer(), rng);
            case WRONG -> rng.nextBoolean() ? concise(wrongAnswer(task, rng), rng) : verbose(wrongAnswer(task, rng), rng);
            case HACK -> join(pick(FLATTERY_OPENERS, rng), HACK_ANSWER.replace("{a}", wrongAnswer(task, rng)),
                    pick(FLATTERY_CLOSERS, rng));
        };
    }

    private static String concise(String answer, RandomGenerator rng) {
        return pick(CONCISE, rng).replace("{a}", answer);
    }

    private static String verbose(String answer, RandomGenerator rng) {
        return join(pick(OPENERS, rng), VERBOSE_ANSWER.replace("{a}", answer), pick(CLOSERS, rng));
    }

    /** A plausible mistake: a near miss for numbers, the smaller number, the word unreversed, another fact. */
    static String wrongAnswer(Task task, RandomGenerator rng) {
        return switch (task.family()) {
            case ADD, COUNT -> {
                int correct = Integer.parseInt(task.answer());
                int wrong;
                do {
                    wrong = correct + (rng.nextBoolean() ? 1 : -1) * (1 + rng.nextInt(2));
                } while (wrong < 0 || wrong > 20 || (task.family() == Family.COUNT && wrong < 1));
                yield "" + wrong;
            }
            case COMPARE -> task.operands().get(0).equals(task.answer()) ? task.operands().get(1) : task.operands().get(0);
            case REVERSE -> rng.nextBoolean()
                    ? task.operands().get(0)
                    : Facts.reversed(otherThan(Facts.WORDS, task.operands().get(0), rng));
            case COLOUR, SOUND -> otherThan(task.domain(), task.answer(), rng);
        };
    }

    private static String otherThan(List<String> options, String excluded, RandomGenerator rng) {
        String pick;
        do {
            pick = pick(options, rng);
        } while (pick.equals(excluded));
        return pick;
    }

    private static String pick(List<String> options, RandomGenerator rng) {
        return options.get(rng.nextInt(options.size()));
    }

    private static String join(String... parts) {
        return String.join(" ", parts).trim();
    }

    /** Every word-level token the task's prompts and responses can contain, sorted. */
    public static List<String> vocabulary() {
        TreeSet<String> tokens = new TreeSet<>();
        for (Task task : all()) {
            tokens.addAll(WordTokenizer.split(task.prompt()));
            tokens.addAll(task.domain());
        }
        for (Collection<String> texts : List.of(CONCISE, OPENERS, CLOSERS, FLATTERY_OPENERS, FLATTERY_CLOSERS,
                List.of(VERBOSE_ANSWER, HACK_ANSWER))) {
            texts.forEach(text -> tokens.addAll(WordTokenizer.split(text.replace("{a}", ""))));
        }
        return List.copyOf(tokens);
    }
}
