package no.elekt.consent.problem;

import java.io.CharConversionException;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Maps the failures we expect to application/problem+json naming the field at fault.
 * Anything unexpected is logged with an id and answered 500 without internals.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalidField(InvalidFieldException e) {
        return respond(Problem.invalid(e.errors()));
    }

    @ServerExceptionMapper
    public Response expected(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldOf(v), v.getMessage()))
                .sorted((a, b) -> a.field().compareTo(b.field()))
                .toList();
        return respond(Problem.invalid(errors));
    }

    // Quarkus ships mappers for these two that answer plain JSON; ours are more specific, so they win.
    @ServerExceptionMapper
    public Response invalidFormat(InvalidFormatException e) {
        return malformedJson(e);
    }

    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e) {
        return malformedJson(e);
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return respond(Problem.invalid(List.of(new Problem.FieldError(path(unknown), "unknown field"))));
        }
        if (e instanceof InvalidFormatException format) {
            String allowed = format.getTargetType() != null && format.getTargetType().isEnum()
                    ? "; one of " + List.of(format.getTargetType().getEnumConstants())
                    : "";
            return respond(Problem.invalid(List.of(new Problem.FieldError(path(format),
                    "cannot be read as " + format.getTargetType().getSimpleName() + allowed))));
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return respond(
                    Problem.invalid(List.of(new Problem.FieldError(path(mapping), "has the wrong type or form"))));
        }
        return respond(Problem.of(400, "Malformed JSON", "The body is not valid JSON: " + e.getOriginalMessage()));
    }

    /** Jackson reads the body's first bytes to tell its encoding; bytes that are text in none it throws this for. */
    @ServerExceptionMapper
    public Response undecodableBody(CharConversionException e) {
        return respond(Problem.of(400, "Malformed JSON", "The body is not JSON text in UTF-8, UTF-16 or UTF-32: "
                + e.getMessage()));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return malformedJson(json);
        }
        Response.StatusType status = e.getResponse().getStatusInfo();
        return respond(Problem.of(status.getStatusCode(), status.getReasonPhrase(), e.getMessage()));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (Failures.databaseUnavailable(e)) {
            LOG.warnf("Database unavailable, answered 503: %s", e.toString());
            return Response.fromResponse(respond(Problem.of(503, "Service unavailable",
                    "The consent ledger cannot be reached; nothing was recorded. Retry later.")))
                    .header("Retry-After", "5").build();
        }
        String errorId = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected failure, error id %s", errorId);
        return respond(Problem.of(500, "Internal error", "Unexpected failure; quote error id " + errorId));
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    /** The property path without the method and parameter nodes Bean Validation puts in front of it. */
    private static String fieldOf(ConstraintViolation<?> v) {
        StringBuilder field = new StringBuilder();
        String parameter = "body";
        for (Path.Node node : v.getPropertyPath()) {
            if (node.getKind() == ElementKind.PARAMETER) {
                parameter = node.getName();
                continue;
            }
            if (node.getKind() == ElementKind.METHOD) {
                continue;
            }
            if (node.getKind() == ElementKind.CONTAINER_ELEMENT && node.getKey() != null) {
                field.append('.').append(node.getKey());
                continue;
            }
            if (node.getName() != null) {
                if (!field.isEmpty()) {
                    field.append('.');
                }
                field.append(node.getName());
            }
        }
        return field.isEmpty() ? parameter : field.toString();
    }
}
