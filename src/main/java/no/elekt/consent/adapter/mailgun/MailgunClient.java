package no.elekt.consent.adapter.mailgun;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.CallFailure;
import no.elekt.consent.adapter.CallsConfig;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.Evidence;
import no.elekt.consent.adapter.ProcessorAnswers;
import no.elekt.consent.adapter.ProcessorAnswers.Answer;
import no.elekt.consent.adapter.ProcessorCalls;

/**
 * Mailgun, as the adapter needs it: Basic auth, calls guarded by {@link ProcessorCalls}, and Mailgun's answers as
 * values. A 404 means "not there" only with Mailgun's JSON message saying so for that address ("Member … of mailing
 * list … not found", "Address not found in unsubscribers table"); a 404 without it is a wrong route, region or list.
 * Mailgun's messages may echo the address: they are compared, never logged or put in a receipt.
 */
@ApplicationScoped
public class MailgunClient {

    /** Mailgun takes at most this many entries per bulk unsubscribe. */
    public static final int BULK_LIMIT = 1000;
    /** Page size of the listings (the unsubscribe listing allows 1,000; the members' 100 by default). */
    static final int PAGE = 1000;

    static final String ADDRESS_NOT_UNSUBSCRIBED = "Address not found in unsubscribers table";
    static final String TAG_NOT_UNSUBSCRIBED = "Unsubscribe event for this tag does not exist";
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Unsubscribe(String address, List<String> tags, Instant at) {
    }

    private final MailgunApi api;
    private final MailgunConfig config;
    private final ProcessorCalls calls;

    MailgunClient(@RestClient MailgunApi api, MailgunConfig config, CallsConfig callsConfig, MeterRegistry metrics) {
        this.api = api;
        this.config = config;
        this.calls = new ProcessorCalls("mailgun", config.rateLimit(), callsConfig, metrics);
    }

    public Uni<Effect> unsubscribe(String address, String tag) {
        return call("unsubscribe", () -> api.unsubscribe(auth(), domain(), address, tag), a -> false);
    }

    /** Bulk JSON unsubscribe of up to {@link #BULK_LIMIT} entries. */
    public Uni<Effect> unsubscribeAll(List<Unsubscribe> entries) {
        if (entries.size() > BULK_LIMIT) {
            throw new IllegalArgumentException("at most " + BULK_LIMIT + " unsubscribes per call");
        }
        List<MailgunApi.Unsubscribe> body = entries.stream()
                .map(e -> new MailgunApi.Unsubscribe(e.address(), e.tags(),
                        DateTimeFormatter.RFC_1123_DATE_TIME.format(e.at().atZone(ZoneOffset.UTC))))
                .toList();
        return call("unsubscribe-bulk", () -> api.unsubscribeAll(auth(), domain(), body), a -> false);
    }

    /** Removes the unsubscribe entry of one tag; Mailgun's "not found" for the address or the tag: there was none. */
    public Uni<Effect> removeUnsubscribe(String address, String tag) {
        return call("remove-unsubscribe", () -> api.removeUnsubscribe(auth(), domain(), address, tag),
                a -> notFound(a, ADDRESS_NOT_UNSUBSCRIBED) || notFound(a, TAG_NOT_UNSUBSCRIBED));
    }

    /** Removes a member from a mailing list; Mailgun's "Member … of mailing list … not found": not a member. */
    public Uni<Effect> removeListMember(String list, String address) {
        return call("remove-list-member", () -> api.removeListMember(auth(), list, address),
                a -> memberNotFound(a, list, address));
    }

    /**
     * Read-back of a suppression: the address is unsubscribed from each tag (or from everything, "*"). A 404 right
     * after the write may be Mailgun's eventual consistency ("can be temporal"): retried before it counts as a
     * contradiction.
     */
    public Uni<Evidence> confirmUnsubscribed(String address, List<String> tags) {
        String check = "mailgun GET /v3/{domain}/unsubscribes/{address}";
        return calls.call("unsubscribe-read-back", () -> ProcessorAnswers.read(api.unsubscribed(auth(), domain(),
                address)).map(answer -> {
                    if (notFound(answer, ADDRESS_NOT_UNSUBSCRIBED)) {
                        throw CallFailure.contradicted("unsubscribe-read-back: not unsubscribed",
                                new Evidence(check, Instant.now(), "404 not in the unsubscribes table"));
                    }
                    if (!answer.ok()) {
                        throw ProcessorAnswers.failure("unsubscribe-read-back", answer, ProcessorAnswers.NONE);
                    }
                    Set<String> held = new HashSet<>();
                    JsonNode entry = json(answer);
                    entry.path("tags").forEach(t -> held.add(t.asText()));
                    if (entry.has("tag")) {
                        held.add(entry.get("tag").asText()); // the legacy answer
                    }
                    List<String> missing = tags.stream().filter(t -> !held.contains(t) && !held.contains("*"))
                            .toList();
                    if (!missing.isEmpty()) {
                        throw CallFailure.contradicted("unsubscribe-read-back: not unsubscribed from " + missing,
                                new Evidence(check, Instant.now(), "200: unsubscribed, but not from " + missing));
                    }
                    return new Evidence(check, Instant.now(), "200: unsubscribed from " + (held.contains("*")
                            ? "everything (*)" : tags));
                }));
    }

    /** Read-back of a removal from a list: Mailgun answers "Member … not found" for the address. */
    public Uni<Evidence> confirmNotMember(String list, String address) {
        String check = "mailgun GET /v3/lists/{list}/members/{address}";
        return calls.call("list-member-read-back", () -> ProcessorAnswers.read(api.member(auth(), list, address))
                .map(answer -> {
                    if (memberNotFound(answer, list, address)) {
                        return new Evidence(check, Instant.now(), "404 member not found: not on the list");
                    }
                    if (answer.ok()) {
                        throw CallFailure.contradicted("list-member-read-back: still a member",
                                new Evidence(check, Instant.now(), "200: still on the list"));
                    }
                    throw ProcessorAnswers.failure("list-member-read-back", answer, ProcessorAnswers.NONE);
                }));
    }

    /** Every unsubscribe of the domain, address → tags, read page by page (for reconciliation). */
    public Uni<Map<String, Set<String>>> allUnsubscribes() {
        Map<String, Set<String>> all = new HashMap<>();
        return pages("unsubscribes-list", pivot -> api.unsubscribes(auth(), domain(), PAGE, pivot == null ? null
                : "next", pivot), item -> {
                    Set<String> tags = all.computeIfAbsent(item.path("address").asText(), a -> new HashSet<>());
                    item.path("tags").forEach(t -> tags.add(t.asText()));
                    if (item.has("tag")) {
                        tags.add(item.get("tag").asText());
                    }
                }, null).map(x -> all);
    }

    /** Every member of a list, read page by page (for reconciliation). */
    public Uni<Set<String>> allMembers(String list) {
        Set<String> all = new HashSet<>();
        return pages("list-members", pivot -> api.members(auth(), list, PAGE, pivot == null ? null : "next", pivot),
                item -> all.add(item.path("address").asText()), null).map(x -> all);
    }

    /** Start-up: the domain exists in the configured region (a domain of the other region answers 404 there). */
    public Uni<Void> checkDomain() {
        return ProcessorAnswers.read(api.domain(auth(), domain())).map(answer -> {
            if (!answer.ok()) {
                throw ProcessorAnswers.failure("domain", answer, ProcessorAnswers.NONE);
            }
            return null;
        });
    }

    /** Start-up: the list exists in the configured region. */
    public Uni<Void> checkList(String list) {
        return ProcessorAnswers.read(api.list(auth(), list)).map(answer -> {
            if (!answer.ok()) {
                throw ProcessorAnswers.failure("list", answer, ProcessorAnswers.NONE);
            }
            return null;
        });
    }

    /** Follows a listing: each page after the last address of the one before, until a page comes back empty. */
    private Uni<Void> pages(String operation, java.util.function.Function<String, Uni<Response>> page,
            java.util.function.Consumer<JsonNode> each, String pivot) {
        return calls.call(operation, () -> ProcessorAnswers.read(page.apply(pivot)).map(answer -> {
            if (!answer.ok()) {
                throw ProcessorAnswers.failure(operation, answer, ProcessorAnswers.NONE);
            }
            List<JsonNode> items = new ArrayList<>();
            json(answer).path("items").forEach(items::add);
            return items;
        })).chain(items -> {
            if (items.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            items.forEach(each);
            return pages(operation, page, each, items.get(items.size() - 1).path("address").asText());
        });
    }

    private Uni<Effect> call(String operation, Supplier<Uni<Response>> request,
            java.util.function.Predicate<Answer> gone) {
        return calls.call(operation,
                () -> ProcessorAnswers.read(Uni.createFrom().<Response>deferred(() -> request.get()))
                        .map(answer -> ProcessorAnswers.effect(operation, answer, ProcessorAnswers.NONE, gone)));
    }

    /** Mailgun's "not found" for what was asked: a 404 with the JSON message (not a 404 without JSON). */
    static boolean notFound(Answer answer, String message) {
        return answer.status() == 404 && message.equalsIgnoreCase(message(answer));
    }

    /** "Member {address} of mailing list {list} not found", for this member of this list only. */
    static boolean memberNotFound(Answer answer, String list, String address) {
        return answer.status() == 404 && ("Member " + address + " of mailing list " + list + " not found")
                .equalsIgnoreCase(message(answer));
    }

    private static String message(Answer answer) {
        try {
            return answer.json() || answer.body().startsWith("{") ? JSON.readTree(answer.body()).path("message")
                    .asText(null) : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static JsonNode json(Answer answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (java.io.IOException e) {
            throw CallFailure.permanent("mailgun: unreadable answer");
        }
    }

    private String auth() {
        String key = config.apiKey().orElseThrow(() -> CallFailure.permanent("mailgun: no API key configured"));
        return "Basic " + Base64.getEncoder().encodeToString(("api:" + key).getBytes(StandardCharsets.UTF_8));
    }

    private String domain() {
        return config.domain().orElseThrow(() -> CallFailure.permanent("mailgun: no domain configured"));
    }
}
