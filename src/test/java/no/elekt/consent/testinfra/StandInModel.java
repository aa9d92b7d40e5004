package no.elekt.consent.testinfra;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * What the processors hold, and how they answer, as their documentation says (deploy/ADAPTERS.md cites each answer):
 * Mailgun's unsubscribes and list members, Google's OAuth token endpoint (the scopes of each token), Analytics Admin,
 * FCM topic subscriptions and Identity Toolkit accounts, Eliq's token endpoint (one API per token, by {@code aud}),
 * Data Management users and Insights users and consents. State, so a read-back sees what the calls did.
 * <p>
 * Users that the apps created at Firebase and Eliq exist until deleted (the stand-in has every id); Mailgun list
 * members exist only once added ({@code POST /v3/lists/{list}/members} or {@link #seed}). An unknown route answers
 * 404 without JSON, like the processors' front ends.
 */
public final class StandInModel implements ResponseDefinitionTransformerV2 {

    public static final String NAME = "processor-model";

    static final ObjectMapper JSON = new ObjectMapper();
    static final String RFC_2822 = "EEE, dd MMM yyyy HH:mm:ss 'UTC'";

    /** Mailgun regions: the EU region is served at the root, the US region under /us (where our domain is not). */
    static final String US_REGION = "/us";
    /** Eliq's Insights API host, under this prefix of the stand-in. */
    public static final String ELIQ_INSIGHTS_PATH = "/eliq-insights";
    /** A Firebase project whose Authentication was never set up. */
    public static final String PROJECT_WITHOUT_AUTH = "elekt-auth-not-set-up";
    /** Eliq consents the stand-in's tenant has, by name, with their current version ids. */
    public static final Map<String, String> ELIQ_CONSENT_VERSIONS = Map.of(
            "terms_and_conditions", "f5bba2be-cf4f-4f7e-8237-7476025da0ff",
            "privacy_policy", "43cceb46-e598-43c1-8f25-d6d30b765d9a",
            "energy_insights", "2f321e42-c1fe-4abf-8f16-44dcce756943");

    private final String mailgunKey;
    private final String mailgunDomain;
    private final Set<String> mailgunLists;
    private final String firebaseProject;
    private final String ga4Property;
    private final String eliqClientId;
    private final String eliqClientSecret;

    // Mailgun: address -> tags; list -> members
    private final Map<String, Unsubscribe> unsubscribes = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> members = new ConcurrentHashMap<>();
    // Google: token -> scopes; registration -> topics; deleted Auth accounts
    private final Map<String, Set<String>> googleTokens = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> topicSubscriptions = new ConcurrentHashMap<>();
    private final Set<String> deletedAccounts = ConcurrentHashMap.newKeySet();
    private final Set<String> disabledAccounts = ConcurrentHashMap.newKeySet();
    /** Accounts Google refuses to delete in a batch (reported inside the 200 answer, as batchDelete documents). */
    private final Set<String> refusedDeletions = ConcurrentHashMap.newKeySet();
    // Eliq: token -> (aud, sub); deleted users (by our id); consents by Eliq id -> name -> given
    private final Map<String, EliqToken> eliqTokens = new ConcurrentHashMap<>();
    private final Set<String> deletedEliqUsers = ConcurrentHashMap.newKeySet();
    private final Map<Long, Map<String, Boolean>> eliqConsents = new ConcurrentHashMap<>();
    private final Map<Long, String> eliqUserByInternalId = new ConcurrentHashMap<>();

    record Unsubscribe(String address, Set<String> tags, String createdAt) {
    }

    record EliqToken(String aud, String sub) {
    }

    StandInModel(String mailgunKey, String mailgunDomain, Set<String> mailgunLists, String firebaseProject,
            String ga4Property, String eliqClientId, String eliqClientSecret) {
        this.mailgunKey = mailgunKey;
        this.mailgunDomain = mailgunDomain;
        this.mailgunLists = mailgunLists;
        this.firebaseProject = firebaseProject;
        this.ga4Property = ga4Property;
        this.eliqClientId = eliqClientId;
        this.eliqClientSecret = eliqClientSecret;
        mailgunLists.forEach(list -> members.put(list, ConcurrentHashMap.newKeySet()));
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    // ------------------------------------------------------------------ seeding and inspection (tests, via JMX)

    /** Puts state at a processor, as if someone else had done it. */
    public synchronized void seed(String processor, String what, String key, String value) {
        switch (processor + "/" + what) {
            case "mailgun/member" -> members.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(value);
            case "mailgun/unsubscribe" -> unsubscribes.computeIfAbsent(key,
                    k -> new Unsubscribe(k, ConcurrentHashMap.newKeySet(), now2822())).tags().add(value);
            case "fcm/subscription" -> topicSubscriptions.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet())
                    .add(value);
            case "firebase/deleted-account" -> deletedAccounts.add(key);
            case "firebase/disabled-account" -> disabledAccounts.add(key);
            case "firebase/refused-deletion" -> refusedDeletions.add(key);
            case "eliq/deleted-user" -> deletedEliqUsers.add(key);
            case "eliq/consent" -> eliqConsents.computeIfAbsent(eliqId(key), k -> new ConcurrentHashMap<>())
                    .put(value.split("=")[0], Boolean.parseBoolean(value.split("=")[1]));
            default -> throw new IllegalArgumentException("no such state: " + processor + "/" + what);
        }
    }

    /** What a processor holds, as text (null: nothing). */
    public synchronized String state(String processor, String what, String key) {
        return switch (processor + "/" + what) {
            case "mailgun/unsubscribe" -> {
                Unsubscribe u = unsubscribes.get(key);
                yield u == null ? null : String.join(",", new java.util.TreeSet<>(u.tags()));
            }
            case "mailgun/member" -> {
                String[] listAndAddress = key.split(" ", 2);
                yield members.getOrDefault(listAndAddress[0], Set.of()).contains(listAndAddress[1]) ? "member" : null;
            }
            case "fcm/subscriptions" -> String.join(",", new java.util.TreeSet<>(
                    topicSubscriptions.getOrDefault(key, Set.of())));
            case "firebase/account" -> deletedAccounts.contains(key) ? null : "exists";
            case "eliq/user" -> deletedEliqUsers.contains(key) ? null : Long.toString(eliqId(key));
            case "eliq/consent" -> {
                Map<String, Boolean> consents = eliqConsents.get(eliqId(key.split(" ")[0]));
                Boolean given = consents == null ? null : consents.get(key.split(" ")[1]);
                yield given == null ? null : given.toString();
            }
            default -> throw new IllegalArgumentException("no such state: " + processor + "/" + what);
        };
    }

    /**
     * Keeps the model in step when a test's stub, not the model, answered a write with success (e.g. a processor
     * "back" after an outage answering 204): the model applies that write too, so a read-back sees it.
     */
    static final class StubbedWrites implements com.github.tomakehurst.wiremock.extension.ServeEventListener {
        private final StandInModel model;

        StubbedWrites(StandInModel model) {
            this.model = model;
        }

        @Override
        public String getName() {
            return "processor-model-stubbed-writes";
        }

        @Override
        public void beforeResponseSent(ServeEvent event, com.github.tomakehurst.wiremock.extension.Parameters p) {
            var stub = event.getStubMapping();
            boolean byModel = stub != null && stub.getResponse() != null && stub.getResponse().getTransformers() != null
                    && stub.getResponse().getTransformers().contains(NAME);
            String method = event.getRequest().getMethod().getName();
            int status = event.getResponseDefinition() == null ? 0 : event.getResponseDefinition().getStatus();
            if (!byModel && event.getWasMatched() && status >= 200 && status < 300 && !method.equals("GET")) {
                model.transform(event); // the answer is the stub's; only the state change is kept
            }
        }
    }

    // ------------------------------------------------------------------ routing

    private record Route(String method, Pattern path, Handler handler) {
    }

    @FunctionalInterface
    private interface Handler {
        ResponseDefinition answer(Request request, Matcher path) throws Exception;
    }

    private final List<Route> routes = List.of(
            // Mailgun
            new Route("GET", Pattern.compile("(/us)?/v4/domains/([^/]+)"), this::mailgunDomain),
            new Route("POST", Pattern.compile("(/us)?/v3/([^/]+)/unsubscribes"), this::mailgunUnsubscribe),
            new Route("GET", Pattern.compile("(/us)?/v3/([^/]+)/unsubscribes"), this::mailgunUnsubscribes),
            new Route("GET", Pattern.compile("(/us)?/v3/([^/]+)/unsubscribes/([^/]+)"), this::mailgunUnsubscribed),
            new Route("DELETE", Pattern.compile("(/us)?/v3/([^/]+)/unsubscribes/([^/]+)"), this::mailgunResubscribe),
            new Route("GET", Pattern.compile("(/us)?/v3/lists/([^/]+)"), this::mailgunList),
            new Route("GET", Pattern.compile("(/us)?/v3/lists/([^/]+)/members/pages"), this::mailgunMembers),
            new Route("POST", Pattern.compile("(/us)?/v3/lists/([^/]+)/members"), this::mailgunAddMember),
            new Route("GET", Pattern.compile("(/us)?/v3/lists/([^/]+)/members/([^/]+)"), this::mailgunMember),
            new Route("DELETE", Pattern.compile("(/us)?/v3/lists/([^/]+)/members/([^/]+)"), this::mailgunRemoveMember),
            // Google
            new Route("POST", Pattern.compile("/token"), this::googleToken),
            new Route("GET", Pattern.compile("/v1alpha/properties/([^/:]+)"), this::ga4Property),
            new Route("POST", Pattern.compile("/v1alpha/properties/([^/:]+):submitUserDeletion"),
                    this::ga4SubmitUserDeletion),
            new Route("DELETE",
                    Pattern.compile("/v1/projects/([^/]+)/registrations/([^/]+)/topicSubscriptions/([^/]+)"),
                    this::fcmUnsubscribe),
            new Route("GET", Pattern.compile("/v1/projects/([^/]+)/registrations/([^/]+)/topicSubscriptions/([^/]+)"),
                    this::fcmSubscription),
            new Route("GET", Pattern.compile("/v1/projects/([^/]+)/registrations/([^/]+)/topicSubscriptions"),
                    this::fcmSubscriptions),
            new Route("POST", Pattern.compile("/v1/projects/([^/]+)/accounts:delete"), this::authDelete),
            new Route("POST", Pattern.compile("/v1/projects/([^/]+)/accounts:batchDelete"), this::authBatchDelete),
            new Route("POST", Pattern.compile("/v1/projects/([^/]+)/accounts:lookup"), this::authLookup),
            // Eliq
            new Route("POST", Pattern.compile("/oauth/token"), this::eliqToken),
            new Route("DELETE", Pattern.compile(ProcessorStandIns.ELIQ_BASE_PATH + "/users/([^/]+)"),
                    this::eliqDeleteUser),
            new Route("GET", Pattern.compile(ProcessorStandIns.ELIQ_BASE_PATH + "/users/([^/]+)"), this::eliqUser),
            new Route("GET", Pattern.compile(ProcessorStandIns.ELIQ_BASE_PATH + "/users"), this::eliqUsers),
            new Route("GET", Pattern.compile(ELIQ_INSIGHTS_PATH + "/v3/users"), this::insightsUserByRef),
            new Route("GET", Pattern.compile(ELIQ_INSIGHTS_PATH + "/v3/users/([^/]+)/consents"),
                    this::insightsConsents),
            new Route("PUT", Pattern.compile(ELIQ_INSIGHTS_PATH + "/v3/users/([^/]+)/consents"),
                    this::insightsUpdateConsents));

    @Override
    public ResponseDefinition transform(ServeEvent serveEvent) {
        Request request = serveEvent.getRequest();
        String path = request.getUrl().split("\\?", 2)[0];
        try {
            for (Route route : routes) {
                Matcher m = route.path().matcher(path);
                if (route.method().equals(request.getMethod().getName()) && m.matches()) {
                    synchronized (this) {
                        return route.handler().answer(request, m);
                    }
                }
            }
            return notFoundWithoutJson();
        } catch (Exception e) {
            return answer(500, "text/plain", "stand-in failure: " + e);
        }
    }

    // ------------------------------------------------------------------ Mailgun

    private ResponseDefinition mailgunRefusal(Request request) {
        String expected = "Basic " + Base64.getEncoder()
                .encodeToString(("api:" + mailgunKey).getBytes(StandardCharsets.UTF_8));
        return expected.equals(request.getHeader("Authorization")) ? null
                : json(401, message("Invalid private key"));
    }

    private ResponseDefinition mailgunDomainRefusal(Request request, Matcher m) {
        ResponseDefinition refused = mailgunRefusal(request);
        if (refused != null) {
            return refused;
        }
        return m.group(1) == null && decode(m.group(2)).equals(mailgunDomain) ? null
                : json(404, message("Domain not found"));
    }

    /** Refused credentials, or a list that is not in this region (Mailgun's lists live in one region). */
    private ResponseDefinition mailgunListRefusal(Request request, Matcher m) {
        ResponseDefinition refused = mailgunRefusal(request);
        if (refused != null) {
            return refused;
        }
        String list = decode(m.group(2));
        return m.group(1) == null && members.containsKey(list) ? null
                : json(404, message("Mailing list " + list + " not found"));
    }

    private ResponseDefinition mailgunDomain(Request request, Matcher m) {
        ResponseDefinition refused = mailgunDomainRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        ObjectNode body = JSON.createObjectNode();
        body.putObject("domain").put("name", mailgunDomain).put("state", "active").put("type", "custom")
                .put("is_disabled", false);
        body.putArray("receiving_dns_records");
        body.putArray("sending_dns_records");
        return json(200, body);
    }

    private ResponseDefinition mailgunUnsubscribe(Request request, Matcher m) throws Exception {
        ResponseDefinition refused = mailgunDomainRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        String type = String.valueOf(request.getHeader("Content-Type"));
        if (type.startsWith("application/json")) {
            JsonNode entries = JSON.readTree(request.getBodyAsString());
            if (entries.size() > 1000) {
                return json(400, message("Batch size should be less than 1000"));
            }
            for (JsonNode entry : entries) {
                Unsubscribe u = unsubscribes.computeIfAbsent(entry.get("address").asText(),
                        a -> new Unsubscribe(a, ConcurrentHashMap.newKeySet(), now2822()));
                JsonNode tags = entry.path("tags");
                if (tags.isEmpty()) {
                    u.tags().add("*");
                }
                tags.forEach(t -> u.tags().add(t.asText()));
            }
            return json(200, message(entries.size() + " addresses have been added to the unsubscribes table"));
        }
        Map<String, String> form = form(request.getBodyAsString());
        String address = form.get("address");
        if (address == null) {
            return json(400, message("'address' parameter is missing"));
        }
        String tag = form.getOrDefault("tag", form.getOrDefault("tags", "*"));
        unsubscribes.computeIfAbsent(address, a -> new Unsubscribe(a, ConcurrentHashMap.newKeySet(), now2822()))
                .tags().add(tag);
        ObjectNode body = message("Address has been added to the unsubscribes table");
        body.put("address", address);
        return json(200, body);
    }

    private ResponseDefinition mailgunUnsubscribed(Request request, Matcher m) {
        ResponseDefinition refused = mailgunDomainRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        Unsubscribe u = unsubscribes.get(decode(m.group(3)));
        if (u == null || u.tags().isEmpty()) {
            return json(404, message("Address not found in unsubscribers table"));
        }
        return json(200, unsubscribeJson(u));
    }

    private ResponseDefinition mailgunResubscribe(Request request, Matcher m) {
        ResponseDefinition refused = mailgunDomainRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        String address = decode(m.group(3));
        Unsubscribe u = unsubscribes.get(address);
        if (u == null) {
            return json(404, message("Address not found in unsubscribers table"));
        }
        var tag = request.queryParameter("tag");
        if (tag.isPresent()) {
            if (!u.tags().remove(tag.firstValue())) {
                return json(404, message("Unsubscribe event for this tag does not exist"));
            }
            if (u.tags().isEmpty()) {
                unsubscribes.remove(address);
            }
        } else {
            unsubscribes.remove(address);
        }
        ObjectNode body = message("Unsubscribe event has been removed");
        body.put("address", address);
        return json(200, body);
    }

    /** The listing, alphabetical, paged by a pivot address; paging links are full URLs to follow as they are. */
    private ResponseDefinition mailgunUnsubscribes(Request request, Matcher m) {
        ResponseDefinition refused = mailgunDomainRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        List<Unsubscribe> all = new ArrayList<>(unsubscribes.values());
        all.sort(Comparator.comparing(Unsubscribe::address));
        ArrayNode items = JSON.createArrayNode();
        String last = page(all.stream().map(Unsubscribe::address).toList(), request, address -> {
            Unsubscribe u = unsubscribes.get(address);
            if (u != null) {
                items.add(unsubscribeJson(u));
            }
        });
        return json(200, paged(items, request, last));
    }

    private ResponseDefinition mailgunList(Request request, Matcher m) {
        ResponseDefinition refused = mailgunListRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        String list = decode(m.group(2));
        ObjectNode body = JSON.createObjectNode();
        body.putObject("list").put("address", list).put("members_count", members.get(list).size());
        return json(200, body);
    }

    private ResponseDefinition mailgunMembers(Request request, Matcher m) {
        ResponseDefinition refused = mailgunListRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        String list = decode(m.group(2));
        ArrayNode items = JSON.createArrayNode();
        String last = page(members.get(list).stream().sorted().toList(), request, address -> items.add(
                JSON.createObjectNode().put("address", address).put("name", "").put("subscribed", true)));
        return json(200, paged(items, request, last));
    }

    private ResponseDefinition mailgunAddMember(Request request, Matcher m) {
        ResponseDefinition refused = mailgunListRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        String list = decode(m.group(2));
        String address = form(request.getBodyAsString()).get("address");
        members.get(list).add(address);
        ObjectNode body = message("Mailing list member has been created");
        body.putObject("member").put("address", address).put("subscribed", true);
        return json(200, body);
    }

    private ResponseDefinition mailgunMember(Request request, Matcher m) {
        ResponseDefinition refused = mailgunListRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        String list = decode(m.group(2));
        String address = decode(m.group(3));
        if (!members.get(list).contains(address)) {
            return json(404, message("Member " + address + " of mailing list " + list + " not found"));
        }
        ObjectNode body = JSON.createObjectNode();
        body.putObject("member").put("address", address).put("name", "").put("subscribed", true)
                .putObject("vars");
        return json(200, body);
    }

    private ResponseDefinition mailgunRemoveMember(Request request, Matcher m) {
        ResponseDefinition refused = mailgunListRefusal(request, m);
        if (refused != null) {
            return refused;
        }
        String list = decode(m.group(2));
        String address = decode(m.group(3));
        if (!members.get(list).remove(address)) {
            return json(404, message("Member " + address + " of mailing list " + list + " not found"));
        }
        ObjectNode body = message("Mailing list member has been deleted");
        body.putObject("member").put("address", address);
        return json(200, body);
    }

    private static ObjectNode unsubscribeJson(Unsubscribe u) {
        ObjectNode item = JSON.createObjectNode().put("address", u.address());
        ArrayNode tags = item.putArray("tags");
        u.tags().stream().sorted().forEach(tags::add);
        item.put("created_at", u.createdAt());
        return item;
    }

    /** Items after the {@code address} pivot (when page=next), up to {@code limit}; answers the last one given. */
    private static String page(List<String> sorted, Request request, java.util.function.Consumer<String> add) {
        int limit = request.queryParameter("limit").isPresent()
                ? Integer.parseInt(request.queryParameter("limit").firstValue()) : 100;
        String pivot = request.queryParameter("address").isPresent() && request.queryParameter("page").isPresent()
                && "next".equals(request.queryParameter("page").firstValue())
                        ? request.queryParameter("address").firstValue() : null;
        String last = pivot;
        int n = 0;
        for (String address : sorted) {
            if (pivot != null && address.compareTo(pivot) <= 0) {
                continue;
            }
            if (n++ >= limit) {
                break;
            }
            add.accept(address);
            last = address;
        }
        return last;
    }

    private static ObjectNode paged(ArrayNode items, Request request, String last) {
        String base = request.getAbsoluteUrl().split("\\?", 2)[0];
        String limit = request.queryParameter("limit").isPresent() ? request.queryParameter("limit").firstValue()
                : "100";
        ObjectNode body = JSON.createObjectNode();
        body.set("items", items);
        ObjectNode paging = body.putObject("paging");
        paging.put("first", base + "?page=first&limit=" + limit);
        paging.put("last", base + "?page=last&limit=" + limit);
        paging.put("next", base + "?page=next&limit=" + limit
                + (last == null ? "" : "&address=" + java.net.URLEncoder.encode(last, StandardCharsets.UTF_8)));
        paging.put("previous", base + "?page=previous&limit=" + limit);
        return body;
    }

    // ------------------------------------------------------------------ Google

    /** The JWT-bearer grant of a service account: the token carries the scopes its assertion asked for. */
    private ResponseDefinition googleToken(Request request, Matcher m) throws Exception {
        String assertion = form(request.getBodyAsString()).get("assertion");
        if (assertion == null) {
            return json(400, JSON.createObjectNode().put("error", "invalid_request"));
        }
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(assertion.split("\\.")[1]));
        String token = "ya29.stand-in-" + UUID.randomUUID();
        googleTokens.put(token, new LinkedHashSet<>(List.of(claims.path("scope").asText("").split(" "))));
        return json(200, JSON.createObjectNode().put("access_token", token).put("token_type", "Bearer")
                .put("expires_in", 3599));
    }

    /** Google's refusal of a token without any of the scopes a method accepts, or null. */
    private ResponseDefinition googleRefusal(Request request, String... acceptedScopes) {
        String auth = request.getHeader("Authorization");
        Set<String> scopes = auth == null || !auth.startsWith("Bearer ") ? null
                : googleTokens.get(auth.substring("Bearer ".length()));
        if (scopes == null) {
            return googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", null);
        }
        for (String accepted : acceptedScopes) {
            if (scopes.contains("https://www.googleapis.com/auth/" + accepted)) {
                return null;
            }
        }
        return googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.",
                "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
    }

    private ResponseDefinition ga4Property(Request request, Matcher m) {
        ResponseDefinition refused = googleRefusal(request, "analytics.edit", "analytics.readonly");
        if (refused != null) {
            return refused;
        }
        if (!m.group(1).equals(ga4Property)) {
            return googleError(403, "PERMISSION_DENIED", "User does not have sufficient permissions for this property.",
                    null);
        }
        return json(200, JSON.createObjectNode().put("name", "properties/" + ga4Property)
                .put("displayName", "Elekt app").put("timeZone", "Europe/Oslo"));
    }

    private ResponseDefinition ga4SubmitUserDeletion(Request request, Matcher m) throws Exception {
        ResponseDefinition refused = googleRefusal(request, "analytics.edit");
        if (refused != null) {
            return refused;
        }
        if (!m.group(1).equals(ga4Property)) {
            return googleError(403, "PERMISSION_DENIED", "User does not have sufficient permissions for this property.",
                    null);
        }
        JsonNode body = JSON.readTree(request.getBodyAsString());
        long ids = List.of("userId", "clientId", "appInstanceId", "userProvidedData").stream().filter(body::has)
                .count();
        if (ids != 1) {
            return googleError(400, "INVALID_ARGUMENT", "Exactly one user identifier must be set.", null);
        }
        return json(200, JSON.createObjectNode().put("deletionRequestTime",
                DateTimeFormatter.ISO_INSTANT.format(Instant.now())));
    }

    private ResponseDefinition fcmUnsubscribe(Request request, Matcher m) {
        ResponseDefinition refused = googleRefusal(request, "firebase.messaging", "cloud-platform");
        if (refused != null) {
            return refused;
        }
        Set<String> topics = topicSubscriptions.get(decode(m.group(2)));
        boolean removed = topics != null && topics.remove(decode(m.group(3)));
        var allowMissing = request.queryParameter("allowMissing");
        if (!removed && !(allowMissing.isPresent() && "true".equals(allowMissing.firstValue()))) {
            return googleError(404, "NOT_FOUND", "Requested entity was not found.", null);
        }
        return json(200, JSON.createObjectNode());
    }

    private ResponseDefinition fcmSubscription(Request request, Matcher m) {
        ResponseDefinition refused = googleRefusal(request, "firebase.messaging", "cloud-platform");
        if (refused != null) {
            return refused;
        }
        String topic = decode(m.group(3));
        if (!topicSubscriptions.getOrDefault(decode(m.group(2)), Set.of()).contains(topic)) {
            return googleError(404, "NOT_FOUND", "Requested entity was not found.", null);
        }
        return json(200, JSON.createObjectNode().put("name", request.getUrl().split("\\?")[0].substring(4))
                .put("topicName", topic).put("createTime", "2026-01-01T00:00:00Z"));
    }

    private ResponseDefinition fcmSubscriptions(Request request, Matcher m) {
        ResponseDefinition refused = googleRefusal(request, "firebase.messaging", "cloud-platform");
        if (refused != null) {
            return refused;
        }
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("topicSubscriptions");
        topicSubscriptions.getOrDefault(decode(m.group(2)), Set.of()).stream().sorted()
                .forEach(topic -> list.addObject().put("topicName", topic));
        return json(200, body);
    }

    /** Identity Toolkit: the error code is the message; Authentication not set up answers CONFIGURATION_NOT_FOUND. */
    private ResponseDefinition authRefusal(Request request, Matcher m, String... scopes) {
        ResponseDefinition refused = googleRefusal(request, scopes);
        if (refused != null) {
            return refused;
        }
        if (m.group(1).equals(PROJECT_WITHOUT_AUTH)) {
            return identityToolkitError("CONFIGURATION_NOT_FOUND");
        }
        return m.group(1).equals(firebaseProject) ? null : identityToolkitError("PROJECT_NOT_FOUND");
    }

    private ResponseDefinition authDelete(Request request, Matcher m) throws Exception {
        ResponseDefinition refused = authRefusal(request, m, "cloud-platform", "identitytoolkit");
        if (refused != null) {
            return refused;
        }
        JsonNode body = JSON.readTree(request.getBodyAsString());
        if (body.has("tenantId")) {
            return identityToolkitError("TENANT_NOT_FOUND");
        }
        String uid = body.path("localId").asText();
        if (!deletedAccounts.add(uid)) {
            return identityToolkitError("USER_NOT_FOUND");
        }
        return json(200, JSON.createObjectNode().put("kind", "identitytoolkit#DeleteAccountResponse"));
    }

    /** Unknown ids are ignored; without force, enabled accounts are refused inside the 200 answer. */
    private ResponseDefinition authBatchDelete(Request request, Matcher m) throws Exception {
        ResponseDefinition refused = authRefusal(request, m, "cloud-platform", "identitytoolkit", "firebase");
        if (refused != null) {
            return refused;
        }
        JsonNode body = JSON.readTree(request.getBodyAsString());
        if (body.has("tenantId")) {
            return identityToolkitError("TENANT_NOT_FOUND");
        }
        boolean force = body.path("force").asBoolean(false);
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode errors = JSON.createArrayNode();
        int index = 0;
        for (JsonNode id : body.path("localIds")) {
            String uid = id.asText();
            if (refusedDeletions.contains(uid) || !force && !disabledAccounts.contains(uid)
                    && !deletedAccounts.contains(uid)) {
                errors.addObject().put("index", index).put("localId", uid).put("message", "NOT_DISABLED : Disable the "
                        + "account before batch deletion.");
            } else {
                deletedAccounts.add(uid);
            }
            index++;
        }
        if (!errors.isEmpty()) {
            answer.set("errors", errors);
        }
        return json(200, answer);
    }

    private ResponseDefinition authLookup(Request request, Matcher m) throws Exception {
        ResponseDefinition refused = authRefusal(request, m, "cloud-platform", "identitytoolkit");
        if (refused != null) {
            return refused;
        }
        JsonNode body = JSON.readTree(request.getBodyAsString());
        ObjectNode answer = JSON.createObjectNode().put("kind", "identitytoolkit#GetAccountInfoResponse");
        ArrayNode users = JSON.createArrayNode();
        for (JsonNode id : body.path("localId")) {
            if (!deletedAccounts.contains(id.asText())) {
                users.addObject().put("localId", id.asText()).put("disabled", disabledAccounts.contains(id.asText()));
            }
        }
        if (!users.isEmpty()) {
            answer.set("users", users); // absent when none: Identity Toolkit omits the field
        }
        return json(200, answer);
    }

    // ------------------------------------------------------------------ Eliq

    /** Auth v2 client credentials: a JSON body naming the API in aud; a token serves that API only. */
    private ResponseDefinition eliqToken(Request request, Matcher m) throws Exception {
        if (!String.valueOf(request.getHeader("Content-Type")).startsWith("application/json")) {
            return json(400, JSON.createObjectNode().put("error", "invalid_request")
                    .put("error_description", "Invalid or missing parameters"));
        }
        JsonNode body = JSON.readTree(request.getBodyAsString());
        if (!eliqClientId.equals(body.path("client_id").asText())
                || !eliqClientSecret.equals(body.path("client_secret").asText())) {
            return json(401, JSON.createObjectNode().put("error", "invalid_client")
                    .put("error_description", "Invalid client credentials"));
        }
        String aud = body.path("aud").asText("");
        if (!aud.equals("data-management-api") && !aud.equals("insights-api")) {
            return json(400, JSON.createObjectNode().put("error", "invalid_request")
                    .put("error_description", "Invalid or missing parameters"));
        }
        String sub = body.has("sub") ? body.get("sub").asText() : null;
        // one token per API (and per user, for a delegated one), the same every time: tests can name it
        String token = aud.equals("data-management-api") ? ProcessorStandIns.ELIQ_ACCESS_TOKEN
                : ProcessorStandIns.ELIQ_INSIGHTS_ACCESS_TOKEN + (sub == null ? "" : "-" + sub);
        eliqTokens.put(token, new EliqToken(aud, sub));
        return json(200, JSON.createObjectNode().put("access_token", token).put("token_type", "Bearer")
                .put("expires_in", 3600));
    }

    /** The API's refusal of a token issued for another API (or for another user), or null. */
    private ResponseDefinition eliqRefusal(Request request, String api, String user) {
        String auth = request.getHeader("Authorization");
        EliqToken token = auth == null || !auth.startsWith("Bearer ") ? null
                : eliqTokens.get(auth.substring("Bearer ".length()));
        if (token == null || !token.aud().equals(api) || token.sub() != null && user != null
                && !token.sub().equals(user)) {
            return api.equals("insights-api")
                    ? json(401, insightsError("client_error", "unauthorized", "UNAUTHORIZED",
                            "Invalid or expired token"))
                    : json(401, JSON.createObjectNode().put("code", "UNAUTHORIZED")
                            .put("description", "Invalid or expired token")
                            .put("request_id", UUID.randomUUID().toString()));
        }
        return null;
    }

    private ResponseDefinition eliqDeleteUser(Request request, Matcher m) {
        ResponseDefinition refused = eliqRefusal(request, "data-management-api", null);
        if (refused != null) {
            return refused;
        }
        if (!deletedEliqUsers.add(decode(m.group(1)))) {
            return eliqUserNotFound();
        }
        return ResponseDefinitionBuilder.responseDefinition().withStatus(204).build();
    }

    private ResponseDefinition eliqUser(Request request, Matcher m) {
        ResponseDefinition refused = eliqRefusal(request, "data-management-api", null);
        if (refused != null) {
            return refused;
        }
        String id = decode(m.group(1));
        if (deletedEliqUsers.contains(id)) {
            return eliqUserNotFound();
        }
        return json(200, JSON.createObjectNode().put("id", id).put("eliq_id", eliqId(id)).put("language_code", "nb-NO")
                .put("created_at_timestamp", "2026-01-01T00:00:00Z"));
    }

    private ResponseDefinition eliqUsers(Request request, Matcher m) {
        ResponseDefinition refused = eliqRefusal(request, "data-management-api", null);
        if (refused != null) {
            return refused;
        }
        return json(200, JSON.createArrayNode());
    }

    private ResponseDefinition insightsUserByRef(Request request, Matcher m) {
        var extref = request.queryParameter("extref");
        ResponseDefinition refused = eliqRefusal(request, "insights-api",
                extref.isPresent() ? Long.toString(eliqId(extref.firstValue())) : null);
        if (refused != null) {
            return refused;
        }
        if (!extref.isPresent() || deletedEliqUsers.contains(extref.firstValue())) {
            return json(404, insightsError("client_error", "user_not_found", "USER_NOT_FOUND",
                    "Could not find user with the given extref"));
        }
        return json(200, JSON.createObjectNode().put("id", eliqId(extref.firstValue()))
                .put("ext_ref", extref.firstValue()).put("client_id", 123456789).put("language_code", "nb-NO"));
    }

    private ResponseDefinition insightsConsents(Request request, Matcher m) {
        ResponseDefinition refused = eliqRefusal(request, "insights-api", m.group(1));
        if (refused != null) {
            return refused;
        }
        Long id = internalUser(m.group(1));
        if (id == null) {
            return insightsUserNotFound(m.group(1));
        }
        Map<String, Boolean> given = eliqConsents.getOrDefault(id, Map.of());
        ArrayNode list = JSON.createArrayNode();
        new TreeMap<>(ELIQ_CONSENT_VERSIONS).forEach((name, version) -> list.addObject().put("version_id", version)
                .put("name", name).put("type", "login_consent").put("given_consent", given.getOrDefault(name, true))
                .put("is_updated", false).put("is_mandatory", !name.equals("energy_insights"))
                .put("timestamp", "2026-01-01T00:00:00Z").put("language_code", "nb-NO"));
        return json(200, list);
    }

    private ResponseDefinition insightsUpdateConsents(Request request, Matcher m) throws Exception {
        ResponseDefinition refused = eliqRefusal(request, "insights-api", m.group(1));
        if (refused != null) {
            return refused;
        }
        Long id = internalUser(m.group(1));
        if (id == null) {
            return insightsUserNotFound(m.group(1));
        }
        JsonNode consents = JSON.readTree(request.getBodyAsString());
        for (JsonNode c : consents) {
            String version = ELIQ_CONSENT_VERSIONS.get(c.path("name").asText());
            if (version == null || !version.equals(c.path("version_id").asText())) {
                return json(400, insightsError("client_error", "invalid_parameter", "INVALID_CONSENT_VERSION",
                        "Unknown consent version"));
            }
        }
        consents.forEach(c -> eliqConsents.computeIfAbsent(id, k -> new ConcurrentHashMap<>())
                .put(c.path("name").asText(), c.path("given_consent").asBoolean()));
        return ResponseDefinitionBuilder.responseDefinition().withStatus(200).build();
    }

    /** Eliq's internal id of one of our users, stable; registered so the Insights API can find the user again. */
    private long eliqId(String ourId) {
        long id = (ourId.hashCode() & 0x7fffffffL) + 1;
        eliqUserByInternalId.put(id, ourId);
        return id;
    }

    private Long internalUser(String pathId) {
        try {
            long id = Long.parseLong(pathId);
            String ours = eliqUserByInternalId.get(id);
            return ours == null || deletedEliqUsers.contains(ours) ? null : id;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static ResponseDefinition eliqUserNotFound() {
        return json(400, JSON.createObjectNode().put("code", "USER_NOT_FOUND")
                .put("description", "User with given id could not be found")
                .put("request_id", UUID.randomUUID().toString()));
    }

    private static ResponseDefinition insightsUserNotFound(String id) {
        return json(404, insightsError("client_error", "invalid_parameter", "USER_NOT_FOUND",
                "Could not find user with Id '" + id + "'"));
    }

    private static ObjectNode insightsError(String type, String category, String code, String description) {
        return JSON.createObjectNode().put("type", type).put("category", category).put("code", code)
                .put("description", description).put("message", "Something went wrong, please try again later.")
                .put("transaction_id", UUID.randomUUID().toString());
    }

    // ------------------------------------------------------------------ answers

    static ResponseDefinition googleError(int status, String code, String message, String reason) {
        ObjectNode error = JSON.createObjectNode();
        ObjectNode e = error.putObject("error").put("code", status).put("message", message).put("status", code);
        if (reason != null) {
            e.putArray("details").addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", reason).put("domain", "googleapis.com");
        }
        return json(status, error);
    }

    static ResponseDefinition identityToolkitError(String code) {
        ObjectNode error = JSON.createObjectNode();
        ObjectNode e = error.putObject("error").put("code", 400).put("message", code);
        e.putArray("errors").addObject().put("message", code).put("domain", "global").put("reason", "invalid");
        return json(400, error);
    }

    static ObjectNode message(String text) {
        return JSON.createObjectNode().put("message", text);
    }

    static ResponseDefinition json(int status, JsonNode body) {
        return answer(status, "application/json", body.toString());
    }

    static ResponseDefinition answer(int status, String type, String body) {
        return ResponseDefinitionBuilder.responseDefinition().withStatus(status).withHeader("Content-Type", type)
                .withBody(body).build();
    }

    /** What a front end answers for a path it does not serve: 404, and no JSON. */
    static ResponseDefinition notFoundWithoutJson() {
        return answer(404, "text/html; charset=utf-8", "<html><body><h1>404 Not Found</h1></body></html>");
    }

    static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (!pair.isEmpty()) {
                String[] kv = pair.split("=", 2);
                form.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
            }
        }
        return form;
    }

    static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    static String now2822() {
        return DateTimeFormatter.ofPattern(RFC_2822, java.util.Locale.ROOT)
                .format(Instant.now().atZone(ZoneOffset.UTC));
    }
}
