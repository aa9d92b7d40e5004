package no.elekt.consent.problem;

import java.util.List;

/** Input that is well-formed but refused, naming the field at fault. Answered 400 over REST, dead-lettered on Kafka. */
public class InvalidFieldException extends RuntimeException {

    private final transient List<Problem.FieldError> errors;

    public InvalidFieldException(String field, String message) {
        this(List.of(new Problem.FieldError(field, message)));
    }

    public InvalidFieldException(List<Problem.FieldError> errors) {
        super(errors.stream().map(e -> e.field() + ": " + e.message()).reduce((a, b) -> a + "; " + b)
                .orElse("invalid"));
        this.errors = List.copyOf(errors);
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }
}
