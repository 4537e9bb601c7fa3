package dev.rbon.lab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The small fact tables and word list the task draws on. Every entry is one word-level token. */
final class Facts {

    private Facts() {}

    /** Words to count and reverse: 2 to 6 letters. */
    static final List<String> WORDS = List.of(
            "cat", "dog", "sun", "tree", "book", "fish", "bird", "moon", "star", "house", "apple", "water",
            "table", "chair", "river", "cloud", "stone", "light", "night", "music", "zebra", "lemon", "pen", "cup",
            "go", "hat", "road", "milk", "frog", "sand");

    static final Map<String, String> COLOURS = table(
            "grass", "green", "snow", "white", "coal", "black", "a banana", "yellow", "a tomato", "red",
            "the sky", "blue", "an orange", "orange", "a lemon", "yellow", "milk", "white", "a frog", "green",
            "chocolate", "brown", "a cherry", "red", "the sea", "blue", "a crow", "black", "a pumpkin", "orange",
            "a plum", "purple");

    static final Map<String, String> SOUNDS = table(
            "cow", "moo", "dog", "woof", "cat", "meow", "duck", "quack", "sheep", "baa", "owl", "hoot",
            "lion", "roar", "snake", "hiss", "bee", "buzz", "horse", "neigh", "pig", "oink", "mouse", "squeak",
            "frog", "croak", "crow", "caw");

    static String reversed(String word) {
        return new StringBuilder(word).reverse().toString();
    }

    private static Map<String, String> table(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
