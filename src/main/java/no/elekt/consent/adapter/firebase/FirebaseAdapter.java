package no.elekt.consent.adapter.firebase;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.DirectiveHandler;
import no.elekt.consent.adapter.MissingSettings;
import no.elekt.consent.adapter.Effect;
import no.elekt.consent.adapter.IdentifierValues;
import no.elekt.consent.adapter.ProcessorAdapter;
import no.elekt.consent.adapter.Result;
import no.elekt.consent.events.ChangeKind;
import no.elekt.consent.events.DirectiveAction;
import no.elekt.consent.events.ProcessorDirective;
import no.elekt.consent.events.PurposeVersion;

/**
 * Firebase: deleting {@code analytics} asks Google Analytics to delete the app instance's data; suppressing or
 * deleting {@code push-notifications} or {@code family-sharing} unsubscribes the device's token from the purpose's
 * configured FCM topics; an erasure does all of that and deletes the Firebase Authentication account.
 * RESUME is not applicable: the app resumes on the device.
 */
@ApplicationScoped
public class FirebaseAdapter implements ProcessorAdapter {

    static final String ANALYTICS = "analytics";

    private final DirectiveHandler handler;
    private final FirebaseClient firebase;
    private final FirebaseConfig config;

    FirebaseAdapter(DirectiveHandler handler, FirebaseClient firebase, FirebaseConfig config) {
        this.handler = handler;
        this.firebase = firebase;
        this.config = config;
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public List<String> missingSettings() {
        return new MissingSettings()
                .require(config.projectId(), "CONSENT_ADAPTERS_FIREBASE_PROJECT_ID")
                .require(config.credentialsFile(), "CONSENT_ADAPTERS_FIREBASE_CREDENTIALS_FILE")
                .names();
    }

    @Override
    public String processor() {
        return "firebase";
    }

    @Incoming("directives-firebase")
    public Uni<Void> consume(ConsumerRecords<String, byte[]> records) {
        return handler.handle(this, records);
    }

    /** ", for N devices" when there is more than one, for the receipt's detail. */
    private static String count(List<String> values, String what) {
        return values.size() > 1 ? " (" + values.size() + " " + what + ")" : "";
    }

    @Override
    public Uni<Result> apply(ProcessorDirective directive) {
        if (directive.getAction() == DirectiveAction.RESUME) {
            return Uni.createFrom().item(Result.notApplicable("the app resumes on the device"));
        }
        boolean erasure = directive.getKind() == ChangeKind.ERASURE;
        Set<String> purposes = new LinkedHashSet<>();
        directive.getPurposes().stream().map(PurposeVersion::getPurpose).forEach(purposes::add);
        List<Uni<Effect>> calls = new ArrayList<>();
        List<String> done = new ArrayList<>();

        List<String> appInstances = IdentifierValues.of(directive, "firebaseAppInstanceId");
        if (!appInstances.isEmpty() && (erasure
                || directive.getAction() == DirectiveAction.DELETE && purposes.contains(ANALYTICS))) {
            appInstances.forEach(appInstance -> calls.add(Uni.createFrom().deferred(() ->
                    firebase.deleteAnalyticsData(appInstance))));
            done.add("analytics data deletion requested" + count(appInstances, "app instances"));
        }
        List<String> tokens = IdentifierValues.of(directive, "fcmToken");
        Set<String> topics = new LinkedHashSet<>();
        config.topics().forEach((purpose, list) -> {
            if (erasure || purposes.contains(purpose)) {
                topics.addAll(list);
            }
        });
        if (!tokens.isEmpty() && !topics.isEmpty()) {
            tokens.forEach(token -> topics.forEach(topic -> calls.add(Uni.createFrom().deferred(() ->
                    firebase.unsubscribe(token, topic)))));
            done.add("device unsubscribed from " + topics + count(tokens, "devices"));
        }
        List<String> uids = IdentifierValues.of(directive, "firebaseUid");
        if (erasure && !uids.isEmpty()) {
            uids.forEach(uid -> calls.add(Uni.createFrom().deferred(() -> firebase.deleteAccount(uid))));
            done.add("authentication account deleted" + count(uids, "accounts"));
        }
        return Multi.createFrom().iterable(calls).onItem().transformToUniAndConcatenate(call -> call)
                .collect().asList()
                .map(effects -> Result.of(effects, String.join(", ", done),
                        "no Firebase identifier known for what the directive asks"));
    }
}
