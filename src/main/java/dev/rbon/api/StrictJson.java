package dev.rbon.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * JSON types are taken at their word on every route: a number is not a string, a fraction is not an integer, a
 * string is not a number or a boolean, and null is not a primitive. Jackson coerces all of these by default (a
 * prompt of 42 became "42", n of 2.5 became 2); here each is a 400 naming the field. Integers still widen to
 * floating-point fields (JSON has one number type: {@code "beta": 2} is a beta of 2.0).
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.disable(MapperFeature.ALLOW_COERCION_OF_SCALARS);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        fail(mapper, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean);
        fail(mapper, LogicalType.Integer, CoercionInputShape.Float, CoercionInputShape.String,
                CoercionInputShape.Boolean, CoercionInputShape.EmptyString);
        fail(mapper, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.Boolean,
                CoercionInputShape.EmptyString);
        fail(mapper, LogicalType.Boolean, CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.String, CoercionInputShape.EmptyString);
        fail(mapper, LogicalType.Collection, CoercionInputShape.EmptyString, CoercionInputShape.String);
        fail(mapper, LogicalType.POJO, CoercionInputShape.EmptyString, CoercionInputShape.String);
    }

    private static void fail(ObjectMapper mapper, LogicalType type, CoercionInputShape... shapes) {
        for (CoercionInputShape shape : shapes) {
            mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
        }
    }
}
