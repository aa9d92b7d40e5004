package no.elekt.consent.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

import no.elekt.consent.config.RoleSwitches;

/**
 * The console's pages: static shells (HTML, CSS, JavaScript, no build step) that call the JSON API with the viewer's
 * bearer token, so the console is authorised exactly as the API is. Served by the core role only.
 */
@Path("/console")
@PermitAll
public class ConsolePages {

    private static final Map<String, String> FILES = Map.of(
            "", "text/html;charset=UTF-8",
            "console.js", "text/javascript;charset=UTF-8",
            "console.css", "text/css;charset=UTF-8");
    /** Only our own files run; the token never leaves for another origin. */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final RoleSwitches roles;

    ConsolePages(RoleSwitches roles) {
        this.roles = roles;
    }

    @GET
    @Operation(hidden = true)
    public Response root() {
        return Response.seeOther(URI.create("/console/")).build();
    }

    @GET
    @Path("/{file: .*}")
    @Operation(hidden = true)
    public Response file(@PathParam("file") String file) {
        String type = FILES.get(file);
        if (type == null || !roles.coreRuns()) {
            throw new NotFoundException();
        }
        return Response.ok(read(file.isEmpty() ? "index.html" : file), type)
                .header("Cache-Control", "no-cache")
                .header("Content-Security-Policy", CSP)
                .header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsolePages.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new NotFoundException();
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
