package dev.rbon.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.rbon.api.ChatMessagesTest;
import dev.rbon.api.Http;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK against the running server (the hf-tiny llama with a ChatML template): rbon's fields
 * go in as the SDK's additional body properties (Python's extra_body), rbon's numbers come back as additional
 * properties, invalid values raise the SDK's typed exceptions.
 */
@QuarkusTest
@TestProfile(ChatMessagesTest.ChatPolicy.class)
class OpenAiSdkTest {

    @TestHTTPResource("/v1")
    URL base;

    private OpenAIClient client;
    private String model;

    @BeforeEach
    void connect() {
        Http.awaitReady();
        client = OpenAIOkHttpClient.builder().baseUrl(base.toString()).apiKey("unused").maxRetries(0).build();
        model = client.models().list().data().get(0).id();
    }

    /** An additional property of a response as a JSON tree. */
    private static JsonNode tree(Map<String, JsonValue> properties, String name) {
        return properties.get(name).convert(JsonNode.class);
    }

    private ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model(model)
                .addSystemMessage("Be brief.").addUserMessage("The licence grants you")
                .maxCompletionTokens(6).seed(3L)
                .putAdditionalBodyProperty("best_of", JsonValue.from(5))
                .putAdditionalBodyProperty("method", JsonValue.from("rbon_kl"))
                .putAdditionalBodyProperty("beta", JsonValue.from(0.5));
    }

    @Test
    void theFirstListedModelIsThePolicy() {
        assertTrue(model.startsWith("rbon-chat-policy"), model);
        assertEquals("policy", tree(client.models().list().data().get(0)._additionalProperties(), "role").asText());
    }

    @Test
    void chatReturnsTheMethodsBestNWithRbonsScoresAndLogprobs() {
        ChatCompletion c = client.chat().completions().create(chat().n(3).logprobs(true).topLogprobs(2)
                .putAdditionalBodyProperty("return_candidates", JsonValue.from(true)).build());
        assertEquals(3, c.choices().size());
        JsonNode pool = tree(c._additionalProperties(), "rbon");
        assertEquals(5, pool.get("best_of").asInt());
        assertEquals(5, pool.get("candidates").size());
        double previous = Double.POSITIVE_INFINITY;
        for (ChatCompletion.Choice choice : c.choices()) {
            JsonNode scores = tree(choice._additionalProperties(), "rbon");
            double objective = scores.get("objective").asDouble();
            assertTrue(objective <= previous, "choices in the method's order");
            previous = objective;
            double reward = scores.get("reward").asDouble();
            double refLogprob = scores.get("ref_logprob").asDouble();
            assertEquals(reward + 0.5 * refLogprob, objective, 1e-9, "rbon_kl: R + beta l");
            List<ChatCompletionTokenLogprob> tokens = choice.logprobs().orElseThrow().content().orElseThrow();
            assertEquals(scores.get("tokens").asInt(), tokens.size());
            double sum = tokens.stream().mapToDouble(ChatCompletionTokenLogprob::logprob).sum();
            assertEquals(refLogprob, sum, 1e-3, "the token log-probs sum to l_i (the policy is the reference)");
            tokens.forEach(t -> assertEquals(2, t.topLogprobs().size()));
            tokens.forEach(t -> assertTrue(t.topLogprobs().get(0).logprob() >= t.logprob() - 1e-6));
        }
        assertEquals(pool.get("chosen_index").asInt(),
                tree(c.choices().get(0)._additionalProperties(), "rbon").get("index").asInt(),
                "choice 0 is the method's pick");
        assertTrue(c.usage().orElseThrow().completionTokens() >= 5, "usage counts the whole pool");
    }

    @Test
    void aSeedReproducesTheAnswerAndAnotherSeedChangesThePool() {
        ChatCompletion a = client.chat().completions().create(chat().build());
        ChatCompletion b = client.chat().completions().create(chat().build());
        assertEquals(a.choices().get(0).message().content(), b.choices().get(0).message().content());
        ChatCompletion other = client.chat().completions().create(chat().seed(4L)
                .putAdditionalBodyProperty("return_candidates", JsonValue.from(true)).build());
        ChatCompletion same = client.chat().completions().create(chat()
                .putAdditionalBodyProperty("return_candidates", JsonValue.from(true)).build());
        assertNotEquals(tree(other._additionalProperties(), "rbon").get("candidates"),
                tree(same._additionalProperties(), "rbon").get("candidates"));
    }

    @Test
    void aStreamedChatJoinsToTheNonStreamedAnswerAndEndsWithUsage() {
        ChatCompletionCreateParams params = chat().n(2)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        ChatCompletion whole = client.chat().completions().create(params);
        StringBuilder[] joined = {new StringBuilder(), new StringBuilder()};
        List<String> finishes = new ArrayList<>();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(joined[(int) choice.index()]::append);
                    choice.finishReason().ifPresent(f -> finishes.add(f.asString()));
                }
            });
        }
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role().orElseThrow().asString());
        for (int i = 0; i < 2; i++) {
            assertEquals(whole.choices().get(i).message().content().orElseThrow(), joined[i].toString());
        }
        assertEquals(2, finishes.size());
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(whole.usage().orElseThrow().totalTokens(), last.usage().orElseThrow().totalTokens());
    }

    @Test
    void completionsWithBestOfLogprobsAndStreaming() {
        CompletionCreateParams params = CompletionCreateParams.builder().model(model)
                .prompt("The licence grants you").maxTokens(5).n(2).bestOf(4).seed(9).logprobs(1)
                .putAdditionalBodyProperty("method", JsonValue.from("bon")).build();
        Completion whole = client.completions().create(params);
        assertEquals(2, whole.choices().size());
        var logprobs = whole.choices().get(0).logprobs().orElseThrow();
        int tokens = logprobs.tokens().orElseThrow().size(); // at most max_tokens; fewer when EOS came first
        assertTrue(tokens >= 1 && tokens <= 5, "tokens " + tokens);
        assertEquals(tokens, logprobs.tokenLogprobs().orElseThrow().size());
        StringBuilder joined = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().filter(c -> !c.choices().isEmpty() && c.choices().get(0).index() == 0)
                    .forEach(c -> joined.append(c.choices().get(0).text()));
        }
        assertEquals(whole.choices().get(0).text(), joined.toString());
    }

    /** No method, best_of = n: the samples in order, streamed once they are all done, then usage and [DONE]. */
    @Test
    void plainCompletionsStreamTheSamplesInOrder() {
        CompletionCreateParams params = CompletionCreateParams.builder().model(model)
                .prompt("The licence grants you").maxTokens(5).n(2).bestOf(2).seed(11).logprobs(0)
                .streamOptions(ChatCompletionStreamOptions.builder()
                        .includeUsage(true).build()).build();
        Completion whole = client.completions().create(params);
        assertFalse(whole._additionalProperties().containsKey("rbon"), "no method: no pool account");
        StringBuilder[] joined = {new StringBuilder(), new StringBuilder()};
        List<Completion> chunks = new ArrayList<>();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(c -> joined[(int) c.index()].append(c.text()));
            });
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(whole.choices().get(i).text(), joined[i].toString(), "choice " + i);
            assertEquals(whole.choices().get(i).finishReason(), chunks.get(i).choices().get(0).finishReason());
            assertEquals(whole.choices().get(i).logprobs().orElseThrow().tokenLogprobs(),
                    chunks.get(i).choices().get(0).logprobs().orElseThrow().tokenLogprobs());
        }
        Completion last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(whole.usage().orElseThrow().totalTokens(), last.usage().orElseThrow().totalTokens());
    }

    @Test
    void invalidValuesRaiseTheSdksTypedErrors() {
        BadRequestException n = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat().n(9).build()));
        assertEquals(Optional.of("n"), n.param());
        BadRequestException penalty = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat().frequencyPenalty(0.5).build()));
        assertTrue(penalty.getMessage().contains("frequency_penalty"), penalty.getMessage());
        BadRequestException beta = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(chat().putAdditionalBodyProperty("beta", JsonValue.from("high")).build()));
        assertTrue(beta.getMessage().contains("beta"), beta.getMessage());
        BadRequestException tooLong = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model(model).prompt("word ".repeat(3000)).build()));
        assertTrue(tooLong.getMessage().contains("prompt"));
        BadRequestException context = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat().maxCompletionTokens(255).build()));
        assertEquals(Optional.of("max_completion_tokens"), context.param(), "the client's field, not max_new_tokens");
        NotFoundException unknown = assertThrows(NotFoundException.class,
                () -> client.chat().completions().create(chat().model("gpt-4o").build()));
        assertEquals(Optional.of("model_not_found"), unknown.code());
        // a neutral value of an unsupported field, and a field unknown to OpenAI, are accepted
        assertFalse(client.chat().completions().create(chat().frequencyPenalty(0.0)
                .putAdditionalBodyProperty("colour", JsonValue.from("red")).build()).choices().isEmpty());
    }
}
