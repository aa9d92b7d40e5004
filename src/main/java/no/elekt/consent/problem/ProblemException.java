package no.elekt.consent.problem;

/** An expected refusal with its own status, e.g. 404 for an unknown change or 422 for a reused idempotency key. */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String title;

    public ProblemException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public Problem problem() {
        return Problem.of(status, title, getMessage());
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(404, "Not found", what + " does not exist");
    }
}
