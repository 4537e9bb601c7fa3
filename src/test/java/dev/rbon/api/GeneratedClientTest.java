package dev.rbon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rbon.client.ApiClient;
import dev.rbon.client.ApiException;
import dev.rbon.client.api.DecodingApi;
import dev.rbon.client.api.ModelsApi;
import dev.rbon.client.api.OpenaiApi;
import dev.rbon.client.model.GenerateRequest;
import dev.rbon.client.model.GenerateResponse;
import dev.rbon.client.model.Problem;
import dev.rbon.client.model.RerankRequest;
import dev.rbon.client.model.RerankResponse;
import dev.rbon.client.model.SelectRequest;
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
    void generatesSelectsRanksAndListsModels() throws Exception {
        DecodingApi decoding = new DecodingApi(client);
        GenerateResponse generated = decoding.generate(new GenerateRequest().prompt("The licence grants you")
                .method(GenerateRequest.MethodEnum.RBON_KL).beta(0.5).n(3).maxNewTokens(5).seed(1L)
                .returnCandidates(true));
        assertEquals(3, generated.getN());
        assertEquals(3, generated.getCandidates().size());
        assertEquals(generated.getCandidates().get(generated.getChosenIndex()).getText(), generated.getText());

        GenerateResponse selected = decoding.select(new SelectRequest().prompt("The licence grants you")
                .candidates(List.of(" the right to copy.", " nothing")).method(SelectRequest.MethodEnum.BON));
        assertEquals(2, selected.getCandidates().size());
        assertTrue(selected.getCandidates().get(0).getRefLogprob() < 0);

        RerankResponse ranked = new OpenaiApi(client).rerank(new RerankRequest().query("The licence grants you")
                .documents(List.of(" the right to copy.", " nothing")).topN(1));
        assertEquals(1, ranked.getResults().size());

        assertEquals("llama", new ModelsApi(client).listModels().getData().get(0).getId());
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
