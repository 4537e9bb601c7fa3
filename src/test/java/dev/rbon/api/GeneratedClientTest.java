package dev.rbon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.client.ApiClient;
import dev.rbon.client.ApiException;
import dev.rbon.client.api.DecodingApi;
import dev.rbon.client.api.ModelsApi;
import dev.rbon.client.model.GenerateRequest;
import dev.rbon.client.model.GenerateResponse;
import dev.rbon.client.model.Problem;
import dev.rbon.client.model.RerankRequest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Java client generated at build time from src/openapi/openapi.json, against the real server. */
@QuarkusTest
class GeneratedClientTest {

    @TestHTTPResource("/")
    URL root;

    private ApiClient client;

    @BeforeEach
    void connect() {
        Http.awaitReady();
        client = new ApiClient();
        client.updateBaseUri(root.toString().replaceAll("/$", ""));
    }

    @Test
    void generatesReranksAndListsModels() throws Exception {
        DecodingApi decoding = new DecodingApi(client);
        GenerateResponse generated = decoding.generate(new GenerateRequest().prompt("The licence grants you")
                .method(GenerateRequest.MethodEnum.RBON_KL).beta(0.5).n(3).maxNewTokens(5).seed(1L)
                .returnCandidates(true));
        assertEquals(3, generated.getN());
        assertEquals(3, generated.getCandidates().size());
        assertEquals(generated.getCandidates().get(generated.getChosenIndex()).getText(), generated.getText());

        GenerateResponse reranked = decoding.rerank(new RerankRequest().prompt("The licence grants you")
                .candidates(List.of(" the right to copy.", " nothing")).method(RerankRequest.MethodEnum.BON));
        assertEquals(2, reranked.getCandidates().size());
        assertTrue(reranked.getCandidates().get(0).getRefLogprob() < 0);

        assertFalse(new ModelsApi(client).listModels().getData().isEmpty());
    }

    @Test
    void invalidValuesArriveAsAnApiExceptionWithTheProblem() throws Exception {
        ApiException e = assertThrows(ApiException.class,
                () -> new DecodingApi(client).generate(new GenerateRequest().prompt("x").n(0)));
        assertEquals(422, e.getCode());
        Problem problem = client.getObjectMapper().readValue(e.getResponseBody(), Problem.class);
        assertEquals("n", problem.getErrors().get(0).getField());
    }
}
