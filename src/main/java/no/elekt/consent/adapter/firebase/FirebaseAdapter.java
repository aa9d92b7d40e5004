package no.elekt.consent.adapter.firebase;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import no.elekt.consent.adapter.DirectiveHandler;
import no.elekt.consent.adapter.MissingSettings;
import no.elekt.consent.adapter.Effect;
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

    @Override
    public Uni<Result> apply(ProcessorDirective directive) {
        if (directive.getAction() == DirectiveAction.RESUME) {
            return Uni.createFrom().item(Result.notApplicable("the app resumes on the device"));
        }
        boolean erasure = directive.getKind() == ChangeKind.ERASURE;
        Set<String> purposes = new LinkedHashSet<>();
        directive.getPurposes().stream().map(PurposeVersion::getPurpose).forEach(purposes::add);
        Map<String, String> ids = directive.getIdentifiers();
        List<Uni<Effect>> calls = new ArrayList<>();
        List<String> done = new ArrayList<>();

        String appInstance = ids.get("firebaseAppInstanceId");
        if (appInstance != null && (erasure
                || directive.getAction() == DirectiveAction.DELETE && purposes.contains(ANALYTICS))) {
            calls.add(Uni.createFrom().deferred(() -> firebase.deleteAnalyticsData(appInstance)));
            done.add("analytics data deletion requested");
        }
        String token = ids.get("fcmToken");
        Set<String> topics = new LinkedHashSet<>();
        config.topics().forEach((purpose, list) -> {
            if (erasure || purposes.contains(purpose)) {
                topics.addAll(list);
            }
        });
        if (token != null && !topics.isEmpty()) {
            topics.forEach(topic -> calls.add(Uni.createFrom().deferred(() -> firebase.unsubscribe(token, topic))));
            done.add("device unsubscribed from " + topics);
        }
        String uid = ids.get("firebaseUid");
        if (erasure && uid != null) {
            calls.add(Uni.createFrom().deferred(() -> firebase.deleteAccount(uid)));
            done.add("authentication account deleted");
        }
        return Multi.createFrom().iterable(calls).onItem().transformToUniAndConcatenate(call -> call)
                .collect().asList()
                .map(effects -> Result.of(effects, String.join(", ", done),
                        "no Firebase identifier known for what the directive asks"));
    }
}
