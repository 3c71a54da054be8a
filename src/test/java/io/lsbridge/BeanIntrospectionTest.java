package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.camel.component.bean.BeanComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.BeanFactoryDefinition;
import org.apache.camel.model.Model;
import org.junit.jupiter.api.Test;

import io.lsbridge.store.DbTime;

/**
 * The start-up's bean introspection on a second thread (routes/beans.camel.yaml, last bean): it fills the bean
 * component's cache with the bridge's bean classes and the Camel context, what the route building looks up.
 */
class BeanIntrospectionTest {

    @Test
    void theBeanClassesAndTheContextLandInTheBeanComponentsCache() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            BeanComponent component = new BeanComponent();
            context.addComponent("bean", component);
            component.start(); // as the bean "bean" in routes/beans.camel.yaml: its cache exists once started
            context.getRegistry().bind("dbTime", new DbTime());
            BeanFactoryDefinition<?> def = new BeanFactoryDefinition<>();
            def.setName("dbTime");
            def.setType("#class:" + DbTime.class.getName());
            context.getCamelContextExtension().getContextPlugin(Model.class).addCustomBean(def);
            assertEquals(0, component.getCurrentBeanCacheSize());

            BeanIntrospection introspection = new BeanIntrospection();
            introspection.setCamelContext(context);
            introspection.start();

            long until = System.nanoTime() + 60_000_000_000L;
            while (component.getCurrentBeanCacheSize() < 2 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertEquals(2, component.getCurrentBeanCacheSize(), "DbTime and the Camel context");
        }
    }
}
