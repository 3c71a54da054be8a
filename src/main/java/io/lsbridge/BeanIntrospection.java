package io.lsbridge;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.bean.BeanComponent;
import org.apache.camel.component.bean.BeanInfo;
import org.apache.camel.component.bean.ParameterMappingStrategy;
import org.apache.camel.component.bean.ParameterMappingStrategyHelper;
import org.apache.camel.model.BeanFactoryDefinition;
import org.apache.camel.model.Model;

/**
 * Start-up only: Camel's introspection of the bridge's bean classes (every public method, its parameters and
 * annotations: what a {@code method:} or {@code bean:} step needs), done on a second thread while Camel loads
 * the route files, instead of on the main thread when it builds the first step that names each bean (about a
 * tenth of the main thread's start). It fills the cache of Camel's bean component (started early, the
 * {@code bean} bean in routes/beans.camel.yaml), which the route building reads; a class not done yet when its
 * first step is built is introspected there as before. Changes no behaviour: the same introspection, earlier.
 *
 * <p>Placed last in a bean file: {@link #start()} takes the beans the YAML files have defined so far (the
 * bridge's own classes), and the Camel context (which {@code ${camelContext...}} expressions call).
 */
public class BeanIntrospection implements CamelContextAware {
    private CamelContext camelContext;

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    public void start() {
        if (camelContext == null) {
            return;
        }
        Model model = camelContext.getCamelContextExtension().getContextPlugin(Model.class);
        BeanComponent component = camelContext.getComponent("bean", BeanComponent.class);
        if (model == null || component == null) {
            return;
        }
        // the bean definitions and instances are read here, on the thread that creates the beans
        Set<Class<?>> types = new LinkedHashSet<>();
        for (BeanFactoryDefinition<?> def : new ArrayList<>(model.getCustomBeans())) {
            Object bean = def.getName() == null ? null : camelContext.getRegistry().lookupByName(def.getName());
            if (bean != null && bean != this && bean.getClass().getName().startsWith("io.lsbridge.")) {
                types.add(bean.getClass());
            }
        }
        ParameterMappingStrategy strategy = ParameterMappingStrategyHelper.createParameterMappingStrategy(camelContext);
        List<Class<?>> todo = new ArrayList<>(types);
        CamelContext context = camelContext;
        Thread thread = new Thread(() -> {
            synchronized (BeanIntrospection.class) {
                introspect(context, todo, strategy, component);
            }
        }, "bean-introspection");
        thread.setDaemon(true);
        thread.start();
    }

    /** One bean file's at a time (one thread per file): a later file finds the classes done before in the cache. */
    private static void introspect(CamelContext context, List<Class<?>> todo, ParameterMappingStrategy strategy,
            BeanComponent component) {
        // ${camelContext.isStopping()} in the refresh routes: Camel introspects the context itself, a class of
        // several hundred methods, by instance
        try {
            new BeanInfo(context, context.getClass(), context, null, strategy, component);
        } catch (RuntimeException | LinkageError e) {
            // as below
        }
        for (Class<?> type : todo) {
            try {
                new BeanInfo(context, type, strategy, component); // caches itself in the component
            } catch (RuntimeException | LinkageError e) {
                // the route building introspects this class again and reports what is wrong
            }
        }
    }
}
