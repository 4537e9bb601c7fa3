package dev.rbon.lab;

import java.util.List;

/**
 * One instruction with its checkable answer.
 *
 * @param prompt the instruction as the models see it, word-level tokens separated by spaces
 * @param answer the one correct answer token
 * @param domain every token that counts as an answer in this family (the judge reads the last of them)
 * @param operands what the instruction is about (numbers, a word or a fact key), for wrong-answer generation
 */
public record Task(Family family, String prompt, String answer, List<String> domain, List<String> operands) {}
