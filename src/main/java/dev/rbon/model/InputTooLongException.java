package dev.rbon.model;

/**
 * A text with more tokens than a model has positions. rbon never truncates: the caller hears which text of the
 * batch it was ({@code row}), how long it is and what the model takes.
 */
public class InputTooLongException extends IllegalArgumentException {

    private final int row;

    public InputTooLongException(int row, int tokens, int limit, String model) {
        super("text " + row + " is " + tokens + " tokens; " + model + " takes at most " + limit
                + " (max_position_embeddings) and rbon does not truncate");
        this.row = row;
    }

    /** Index of the offending text in the batch. */
    public int row() {
        return row;
    }
}
