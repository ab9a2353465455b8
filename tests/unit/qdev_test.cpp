// qdev: device properties, realize, buses and -device, with small test types.
#include "core/module.h"
#include "core/qdev/qdev.h"
#include "core/qdev/sysbus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace mq;
using ::testing::HasSubstr;

namespace {

constexpr const char* TYPE_TEST_BUS = "test-bus";
constexpr const char* TYPE_TEST_OTHER_BUS = "test-other-bus";

struct TestDevice : DeviceState {
    static constexpr const char* type = "test-qdev";
    uint32_t u32 = 0;
    bool flag = false;
    int8_t small = 0;
    Size window;
    std::string label;
    bool refuse = false;
    int realize_calls = 0;
    int unrealize_calls = 0;
    int reset_calls = 0;
};

// A bridge on the system bus with one child bus of type test-bus.
struct TestBridge : SysBusDevice {
    static constexpr const char* type = "test-bridge";
};

void register_qdev_test_types() {
    type_register_static(TypeInfo{
        .name = TYPE_TEST_BUS,
        .parent = TYPE_BUS,
        .class_init = [](ObjectClass& k) { class_cast<BusClass>(k).max_dev = 1; },
    });
    type_register_static(TypeInfo{.name = TYPE_TEST_OTHER_BUS, .parent = TYPE_BUS});
    type_register_static(TypeInfo{
        .name = TestBridge::type,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_new = new_instance<TestBridge>,
    });
    type_register_static(TypeInfo{
        .name = "test-abstract-qdev",
        .parent = TYPE_DEVICE,
        .abstract = true,
        .class_init = [](ObjectClass& k) { class_cast<DeviceClass>(k).bus_type = TYPE_TEST_BUS; },
    });
    type_register_static(TypeInfo{
        .name = TestDevice::type,
        .parent = "test-abstract-qdev",
        .instance_new = new_instance<TestDevice>,
        .class_init =
            [](ObjectClass& k) {
                auto& dc = class_cast<DeviceClass>(k);
                dc.desc = "A device for tests";
                device_class_set_category(dc, DEVICE_CATEGORY_MISC);
                device_class_set_props(
                    dc, {
                            qdev_prop("u32", &TestDevice::u32, uint32_t{7}, "a number"),
                            qdev_prop("flag", &TestDevice::flag, false, "on/off"),
                            qdev_prop("small", &TestDevice::small, int8_t{-1}),
                            qdev_prop("window", &TestDevice::window, Size{4096}),
                            qdev_prop_string("label", &TestDevice::label),
                            qdev_prop("refuse", &TestDevice::refuse, false),
                        });
                dc.realize = [](DeviceState& d) -> Status {
                    auto& t = static_cast<TestDevice&>(d);
                    if (t.refuse) return make_error("test-qdev refuses to realize");
                    t.realize_calls++;
                    return {};
                };
                dc.unrealize = [](DeviceState& d) {
                    static_cast<TestDevice&>(d).unrealize_calls++;
                };
                dc.reset = [](DeviceState& d) { static_cast<TestDevice&>(d).reset_calls++; };
            },
    });
    type_register_static(TypeInfo{
        .name = "test-qdev-other",
        .parent = TYPE_DEVICE,
        .class_init =
            [](ObjectClass& k) { class_cast<DeviceClass>(k).bus_type = TYPE_TEST_OTHER_BUS; },
    });
    type_register_static(TypeInfo{
        .name = "test-qdev-internal",
        .parent = TYPE_DEVICE,
        .class_init = [](ObjectClass& k) { class_cast<DeviceClass>(k).user_creatable = false; },
    });
}

[[maybe_unused]] const bool registered = type_init(register_qdev_test_types);

PropertyBag bag(std::string_view text) {
    auto b = keyval_parse(text, "driver");
    EXPECT_TRUE(b.ok());
    return b.ok() ? *b : PropertyBag{};
}

class QdevTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(module_call_init(MODULE_INIT_QOM).ok());
        // Two bridges, each with one single-slot test bus.
        for (const char* name : {"test-bus.a", "test-bus.b"}) {
            auto bridge = qdev_new(TestBridge::type);
            ASSERT_TRUE(bridge.ok());
            m_buses.push_back(qbus_new(TYPE_TEST_BUS, bridge->get(), name));
            ASSERT_TRUE(qdev_realize(bridge->get(), sysbus_get_default()).ok());
            m_bridges.push_back(bridge->get());
        }
    }
    void TearDown() override {
        for (auto* d : m_added)
            qdev_unplug(d);
        for (auto* b : m_bridges)
            qdev_unplug(b);
    }
    Result<DeviceState*> add(std::string_view text) {
        auto r = qdev_device_add(bag(text));
        if (r.ok()) m_added.push_back(*r);
        return r;
    }
    std::vector<BusState*> m_buses;
    std::vector<DeviceState*> m_bridges;
    std::vector<DeviceState*> m_added;
};

TEST_F(QdevTest, PropertiesStartAtTheirDefaults) {
    auto dev = qdev_new(TestDevice::type);
    ASSERT_TRUE(dev.ok());
    auto& t = object_check<TestDevice>(dev->get());
    EXPECT_EQ(t.u32, 7u);
    EXPECT_EQ(t.small, -1);
    EXPECT_EQ(t.window.bytes, 4096u);
    EXPECT_FALSE(t.flag);
    EXPECT_FALSE(t.realized);
    ObjectProperty* p = object_property_find(dev->get(), "u32");
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->type, "uint32");
    EXPECT_EQ(p->default_value, "7");
}

TEST_F(QdevTest, RealizedPropertyDrivesRealizeAndUnrealize) {
    auto dev = qdev_new(TestDevice::type);
    auto& t = object_check<TestDevice>(dev->get());
    qdev_set_parent_bus(&t, m_buses[0]);
    ASSERT_TRUE(object_property_set_bool(&t, "realized", true).ok());
    EXPECT_TRUE(t.realized);
    EXPECT_EQ(t.realize_calls, 1);
    EXPECT_EQ(*object_property_get_str(&t, "realized"), "true");
    // Setting it again does nothing.
    ASSERT_TRUE(object_property_set_bool(&t, "realized", true).ok());
    EXPECT_EQ(t.realize_calls, 1);
    // An unparented device went to /machine/unattached.
    EXPECT_THAT(object_get_canonical_path(&t), HasSubstr("/machine/unattached/device["));
    ASSERT_TRUE(object_property_set_bool(&t, "realized", false).ok());
    EXPECT_FALSE(t.realized);
    EXPECT_EQ(t.unrealize_calls, 1);
    qdev_unplug(&t);
}

TEST_F(QdevTest, SettingAPropertyAfterRealizeIsAnError) {
    auto dev = add("test-qdev,id=frozen");
    ASSERT_TRUE(dev.ok());
    auto st = object_property_set_str(*dev, "u32", "9");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "Attempt to set property 'u32' on device 'frozen' (type "
                                  "'test-qdev') after it was realized");
    EXPECT_EQ(object_check<TestDevice>(*dev).u32, 7u);

    auto anon = add("test-qdev");
    ASSERT_TRUE(anon.ok());
    auto st2 = object_property_set_str(*anon, "flag", "on");
    ASSERT_FALSE(st2.ok());
    EXPECT_EQ(st2.error().message, "Attempt to set property 'flag' on anonymous device (type "
                                   "'test-qdev') after it was realized");
}

TEST_F(QdevTest, RealizeCanFailAndTheDeviceStaysUnrealized) {
    auto r = add("test-qdev,id=stubborn,refuse=on");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "test-qdev refuses to realize");
    // Nothing is left behind: not in the tree, not on the bus.
    EXPECT_EQ(object_resolve_path("/machine/peripheral/stubborn"), nullptr);
    EXPECT_TRUE(m_buses[0]->children.empty());
}

TEST_F(QdevTest, DeviceAddPlacesDevicesInTheCompositionTree) {
    auto named = add("test-qdev,id=dev1,u32=0x10,label=hello,,world,window=1M,flag=on");
    ASSERT_TRUE(named.ok()) << named.error().message;
    auto& t = object_check<TestDevice>(*named);
    EXPECT_EQ(t.id, "dev1");
    EXPECT_EQ(t.u32, 16u);
    EXPECT_EQ(t.label, "hello,world");
    EXPECT_EQ(t.window.bytes, 1u << 20);
    EXPECT_TRUE(t.flag);
    EXPECT_TRUE(t.realized);
    EXPECT_EQ(object_resolve_path("/machine/peripheral/dev1"), *named);
    auto anon = add("test-qdev");
    ASSERT_TRUE(anon.ok());
    EXPECT_THAT(object_get_canonical_path(*anon), HasSubstr("/machine/peripheral-anon/device["));
}

TEST_F(QdevTest, DeviceAddTakesTheFirstBusOfItsTypeThatIsNotFull) {
    auto first = add("test-qdev");
    auto second = add("test-qdev");
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(second.ok());
    EXPECT_NE((*first)->parent_bus, (*second)->parent_bus);
    EXPECT_EQ((*first)->parent_bus->name.substr(0, 8), "test-bus");
    EXPECT_EQ((*second)->parent_bus->name.substr(0, 8), "test-bus");
    auto third = add("test-qdev");
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().message, "No 'test-bus' bus found for device 'test-qdev'");
}

TEST_F(QdevTest, DeviceAddHonoursTheBusOption) {
    auto dev = add("test-qdev,bus=test-bus.b");
    ASSERT_TRUE(dev.ok()) << dev.error().message;
    EXPECT_EQ((*dev)->parent_bus, m_buses[1]);
    auto full = add("test-qdev,bus=test-bus.b");
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().message, "Bus 'test-bus.b' is full");
    auto missing = add("test-qdev,bus=nowhere");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "Bus 'nowhere' not found");
    auto wrong = add("test-qdev,bus=main-system-bus");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().message, "Device 'test-qdev' can't go on System bus");
}

TEST_F(QdevTest, DeviceAddReportsEachBadInputInQemusWords) {
    struct {
        const char* opts;
        const char* message;
    } cases[] = {
        {"id=x", "Parameter 'driver' is missing"},
        {"nosuchdev", "'nosuchdev' is not a valid device model name"},
        {"test-abstract-qdev", "Parameter 'driver' expects a non-abstract device type"},
        {"test-qdev-internal", "Parameter 'driver' expects a pluggable device type"},
        {"container", "'container' is not a valid device model name"},
        {"test-qdev,id=1bad", "Parameter 'id' expects an identifier"},
        {"test-qdev,id=", "Parameter 'id' expects an identifier"},
        {"test-qdev,nope=1", "Property 'test-qdev.nope' not found"},
        {"test-qdev,u32=lots", "Parameter 'u32' expects integer"},
        {"test-qdev,small=200", "Parameter 'small' expects int8_t"},
        {"test-qdev,flag=maybe", "Parameter 'flag' expects 'on' or 'off'"},
        {"test-qdev-other", "No 'test-other-bus' bus found for device 'test-qdev-other'"},
    };
    for (auto& c : cases) {
        auto r = add(c.opts);
        ASSERT_FALSE(r.ok()) << c.opts;
        EXPECT_EQ(r.error().message, c.message) << c.opts;
    }
    auto bad_id = add("test-qdev,id=no spaces");
    ASSERT_FALSE(bad_id.ok());
    EXPECT_EQ(bad_id.error().hint,
              "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n");
}

TEST_F(QdevTest, DuplicateIdIsRefused) {
    ASSERT_TRUE(add("test-qdev,id=twin").ok());
    auto again = add("test-qdev,id=twin");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().message, "Duplicate ID 'twin' for device");
    // The refused device never reached a bus.
    EXPECT_EQ(m_buses[0]->children.size() + m_buses[1]->children.size(), 1u);
}

TEST_F(QdevTest, ColdResetReachesDevicesOnChildBuses) {
    auto dev = add("test-qdev");
    ASSERT_TRUE(dev.ok());
    device_cold_reset(*(*dev)->parent_bus->parent);
    EXPECT_EQ(object_check<TestDevice>(*dev).reset_calls, 1);
}

TEST_F(QdevTest, DeviceHelpListsPropertiesInQemusFormat) {
    auto help = qdev_device_help(TestDevice::type);
    ASSERT_TRUE(help.ok());
    EXPECT_EQ(*help, "test-qdev options:\n"
                     "  flag=<bool>            - on/off (default: false)\n"
                     "  label=<str>\n"
                     "  refuse=<bool>          -  (default: false)\n"
                     "  small=<int8>           -  (default: -1)\n"
                     "  u32=<uint32>           - a number (default: 7)\n"
                     "  window=<size>          -  (default: 4096)\n");
    auto unknown = qdev_device_help("nosuchdev");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message, "Device 'nosuchdev' not found");
}

TEST_F(QdevTest, DeviceListGroupsByCategory) {
    std::string list = qdev_device_help_list();
    auto misc = list.find("Misc devices:\n");
    auto uncategorized = list.find("\nUncategorized devices:\n");
    auto ours = list.find("name \"test-qdev\", bus test-bus, desc \"A device for tests\"\n");
    ASSERT_NE(misc, std::string::npos);
    ASSERT_NE(ours, std::string::npos);
    EXPECT_LT(misc, ours);
    EXPECT_LT(ours, uncategorized);
    EXPECT_THAT(list, HasSubstr("Uncategorized devices:\n"));
    EXPECT_THAT(list, HasSubstr("name \"test-qdev-other\", bus test-other-bus\n"));
    // Neither abstract nor internal devices are listed.
    EXPECT_THAT(list, ::testing::Not(HasSubstr("test-abstract-qdev")));
    EXPECT_THAT(list, ::testing::Not(HasSubstr("test-qdev-internal")));
}

TEST_F(QdevTest, QtreeShowsBusesDevicesAndProperties) {
    ASSERT_TRUE(add("test-qdev,id=shown,bus=test-bus.a,u32=255,label=x").ok());
    std::string tree = qdev_qtree_string();
    EXPECT_THAT(tree, HasSubstr("bus: main-system-bus\n  type System\n"));
    EXPECT_THAT(tree,
                HasSubstr("  dev: test-bridge, id \"\"\n    bus: test-bus.a\n      type test-bus\n"
                          "      dev: test-qdev, id \"shown\"\n"
                          "        u32 = 255 (0xff)\n"
                          "        flag = false\n"
                          "        small = -1 (0xff)\n"
                          "        window = 4096 (4 KiB)\n"
                          "        label = \"x\"\n"
                          "        refuse = false\n"));
}

TEST(Keyval, ImpliedKeyAndPairs) {
    auto b = keyval_parse("edu,id=edu1,dma_mask=0xffffffff", "driver");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b->get("driver"), "edu");
    EXPECT_EQ(*b->get("id"), "edu1");
    EXPECT_EQ(*b->get("dma_mask"), "0xffffffff");
    EXPECT_FALSE(b->help);
    std::vector<std::string> keys;
    for (auto& [k, v] : *b)
        keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"driver", "id", "dma_mask"}));
}

TEST(Keyval, DoubleCommaIsALiteralComma) {
    auto b = keyval_parse("a,,b,x=1,,2,,,y=3", "driver");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b->get("driver"), "a,b");
    EXPECT_EQ(*b->get("x"), "1,2,");
    EXPECT_EQ(*b->get("y"), "3");
    // Even when the escaped comma precedes an '=', it is part of the value.
    auto c = keyval_parse("edu,,id=x", "driver");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*c->get("driver"), "edu,id=x");
    EXPECT_FALSE(c->has("id"));
}

TEST(Keyval, HelpAndQuestionMark) {
    for (const char* text : {"help", "?", "edu,help", "edu,?"}) {
        auto b = keyval_parse(text, "driver");
        ASSERT_TRUE(b.ok());
        EXPECT_TRUE(b->help) << text;
    }
    EXPECT_FALSE(keyval_parse("help", "driver")->has("driver"));
    EXPECT_EQ(*keyval_parse("edu,help", "driver")->get("driver"), "edu");
    EXPECT_FALSE(keyval_parse("edu,helpful=1", "driver")->help);
}

TEST(Keyval, LastRepeatedKeyWins) {
    auto b = keyval_parse("virt,dumpdtb=a,dumpdtb=b", "type");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b->get("dumpdtb"), "b");
    EXPECT_EQ(*b->get("type"), "virt");
}

TEST(Keyval, ImpliedKeyMayBeGivenExplicitly) {
    auto b = keyval_parse("type=virt,x=1", "type");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b->get("type"), "virt");
    auto empty = keyval_parse(",id=x", "driver");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty->get("driver"), "");
}

TEST(Keyval, ShortFormBooleansWarn) {
    auto b = keyval_parse("edu,multifunction,nofoo", "driver");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(*b->get("multifunction"), "on");
    EXPECT_EQ(*b->get("foo"), "off");
    ASSERT_EQ(b->warnings.size(), 2u);
    EXPECT_EQ(b->warnings[0], "warning: short-form boolean option 'multifunction' deprecated\n"
                              "Please use multifunction=on instead");
}

TEST(Keyval, EmptyKeyIsAnError) {
    auto b = keyval_parse("edu,=3", "driver");
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().message, "Invalid parameter ''");
}

TEST(Keyval, IdentifierRules) {
    EXPECT_TRUE(id_wellformed("edu1"));
    EXPECT_TRUE(id_wellformed("a-b.c_d"));
    EXPECT_FALSE(id_wellformed("1x"));
    EXPECT_FALSE(id_wellformed(""));
    EXPECT_FALSE(id_wellformed("a,b"));
    EXPECT_FALSE(id_wellformed("_a"));
}

} // namespace
