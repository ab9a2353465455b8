// The object model: registration, lazy class init, inheritance, interfaces,
// instance life cycle, casts, properties, child<>/link<> and paths.
#include "core/module.h"
#include "core/qom/object.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace mq;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

// Every callback appends to this, so tests can assert the exact order.
std::vector<std::string> g_trace;
int g_registration_runs = 0;

// --- an animal hierarchy: animal (abstract) <- dog <- puppy ---

struct AnimalClass : DerivedClass<AnimalClass, ObjectClass> {
    std::function<std::string(Object&)> speak;
    std::string sound = "...";
    int base_init_calls = 0;
};

struct Animal : Object {
    static constexpr const char* type = "test-animal";
    int legs = 0;
};

struct Dog : Animal {
    static constexpr const char* type = "test-dog";
    std::string name;
};

struct Puppy : Dog {
    static constexpr const char* type = "test-puppy";
    bool sleepy = false;
};

// An interface with one method, as QEMU's TYPE_HOTPLUG_HANDLER.
struct PettableClass : DerivedClass<PettableClass, InterfaceClass> {
    std::function<std::string(Object&)> pet;
};

struct PropHolder : Object {
    static constexpr const char* type = "test-props";
    bool b = false;
    int8_t i8 = 0;
    uint8_t u8 = 0;
    int32_t i32 = 0;
    uint32_t u32 = 0;
    int64_t i64 = 0;
    uint64_t u64 = 0;
    std::string str;
    Size size;
    Dog* friend_dog = nullptr;
    uint16_t class_field = 0;
};

AnimalClass& animal_class(Object& o) { return class_cast<AnimalClass>(*o.klass); }

// Puppy saves the parent's speak and chains to it, like parent_realize.
std::function<std::string(Object&)> g_puppy_parent_speak;

void register_test_types() {
    g_registration_runs++;
    type_register_static(TypeInfo{
        .name = "test-pettable",
        .parent = TYPE_INTERFACE,
        .class_new = new_class<PettableClass>,
        .class_init =
            [](ObjectClass& k) {
                class_cast<PettableClass>(k).pet = [](Object&) { return std::string("purr?"); };
            },
    });
    type_register_static(TypeInfo{
        .name = Animal::type,
        .parent = TYPE_OBJECT,
        .abstract = true,
        .instance_new = new_instance<Animal>,
        .class_new = new_class<AnimalClass>,
        .class_init =
            [](ObjectClass& k) {
                g_trace.push_back("class_init animal");
                auto& ac = class_cast<AnimalClass>(k);
                ac.speak = [](Object& o) { return animal_class(o).sound; };
            },
        .class_base_init =
            [](ObjectClass& k) {
                g_trace.push_back("class_base_init animal on " + object_class_get_name(&k));
                class_cast<AnimalClass>(k).base_init_calls++;
            },
        .instance_init =
            [](Object& o) {
                g_trace.push_back("instance_init animal");
                static_cast<Animal&>(o).legs = 4;
            },
        .instance_post_init = [](Object&) { g_trace.push_back("post_init animal"); },
        .instance_finalize = [](Object&) { g_trace.push_back("finalize animal"); },
    });
    type_register_static(TypeInfo{
        .name = Dog::type,
        .parent = Animal::type,
        .instance_new = new_instance<Dog>,
        .class_init =
            [](ObjectClass& k) {
                g_trace.push_back("class_init dog");
                class_cast<AnimalClass>(k).sound = "woof";
            },
        .class_base_init =
            [](ObjectClass& k) {
                g_trace.push_back("class_base_init dog on " + object_class_get_name(&k));
            },
        .instance_init =
            [](Object& o) {
                g_trace.push_back("instance_init dog");
                static_cast<Dog&>(o).name = "rex";
            },
        .instance_post_init = [](Object&) { g_trace.push_back("post_init dog"); },
        .instance_finalize = [](Object&) { g_trace.push_back("finalize dog"); },
        .interfaces = {"test-pettable"},
    });
    type_register_static(TypeInfo{
        .name = Puppy::type,
        .parent = Dog::type,
        .instance_new = new_instance<Puppy>,
        .class_init =
            [](ObjectClass& k) {
                g_trace.push_back("class_init puppy");
                auto& ac = class_cast<AnimalClass>(k);
                g_puppy_parent_speak = ac.speak;
                ac.speak = [](Object& o) { return "little " + g_puppy_parent_speak(o); };
                auto* pet = object_class_dynamic_cast(&k, "test-pettable");
                class_cast<PettableClass>(*pet).pet = [](Object&) { return std::string("wag"); };
            },
        .instance_init =
            [](Object& o) {
                g_trace.push_back("instance_init puppy");
                static_cast<Puppy&>(o).sleepy = true;
            },
        .instance_post_init = [](Object&) { g_trace.push_back("post_init puppy"); },
        .instance_finalize = [](Object&) { g_trace.push_back("finalize puppy"); },
    });
    // Used by one test only, to watch lazy class initialisation.
    type_register_static(TypeInfo{
        .name = "test-lazy-parent",
        .parent = TYPE_OBJECT,
        .class_init = [](ObjectClass&) { g_trace.push_back("class_init lazy-parent"); },
        .class_base_init =
            [](ObjectClass& k) {
                g_trace.push_back("class_base_init lazy-parent on " + object_class_get_name(&k));
            },
    });
    type_register_static(TypeInfo{
        .name = "test-lazy-child",
        .parent = "test-lazy-parent",
        .class_init = [](ObjectClass&) { g_trace.push_back("class_init lazy-child"); },
        .class_base_init =
            [](ObjectClass& k) {
                g_trace.push_back("class_base_init lazy-child on " + object_class_get_name(&k));
            },
    });
    type_register_static(TypeInfo{
        .name = "test-lazy-grandchild",
        .parent = "test-lazy-child",
        .class_init = [](ObjectClass&) { g_trace.push_back("class_init lazy-grandchild"); },
    });
    type_register_static(TypeInfo{
        .name = "test-never-used",
        .parent = TYPE_OBJECT,
        .class_init = [](ObjectClass&) { g_trace.push_back("class_init never-used"); },
    });
    type_register_static(TypeInfo{
        .name = PropHolder::type,
        .parent = TYPE_OBJECT,
        .instance_new = new_instance<PropHolder>,
        .class_init =
            [](ObjectClass& k) {
                object_class_property_add_field(&k, "class-field", &PropHolder::class_field,
                                                std::optional<uint16_t>(42));
            },
        .instance_init =
            [](Object& o) {
                auto& p = static_cast<PropHolder&>(o);
                object_property_add_field(&o, "b", &p.b);
                object_property_add_field(&o, "i8", &p.i8);
                object_property_add_field(&o, "u8", &p.u8);
                object_property_add_field(&o, "i32", &p.i32);
                object_property_add_field(&o, "u32", &p.u32);
                object_property_add_field(&o, "i64", &p.i64);
                object_property_add_field(&o, "u64", &p.u64);
                object_property_add_field(&o, "str", &p.str);
                object_property_add_field(&o, "size", &p.size);
                object_property_add_field(&o, "ro", &p.u32, /*read_only=*/true);
                object_property_add_link(&o, "friend", Dog::type, p.friend_dog);
            },
    });
}

[[maybe_unused]] const bool registered = type_init(register_test_types);

class QomTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(module_call_init(MODULE_INIT_QOM).ok());
        g_trace.clear();
    }
    // Objects a test puts in the tree are removed again, so tests stay apart.
    void TearDown() override {
        for (auto& name : m_attached) {
            if (Object* o = object_resolve_path("/" + name)) object_unparent(o);
        }
    }
    Object* attach(const std::string& name, Object* obj) {
        object_property_add_child(object_get_root(), name, obj);
        m_attached.push_back(name);
        return obj;
    }
    std::vector<std::string> m_attached;
};

ObjectPtr<Object> must_new(std::string_view type) {
    auto obj = object_new(type);
    EXPECT_TRUE(obj.ok()) << (obj.ok() ? "" : obj.error().message);
    return obj.ok() ? std::move(*obj) : ObjectPtr<Object>();
}

// --- registration ---

TEST_F(QomTest, ModuleCallInitRunsTheQueueExactlyOnce) {
    EXPECT_EQ(g_registration_runs, 1);
    ASSERT_TRUE(module_call_init(MODULE_INIT_QOM).ok());
    EXPECT_EQ(g_registration_runs, 1);
}

TEST_F(QomTest, DuplicateTypeNameIsAnError) {
    auto r = type_register(TypeInfo{.name = Dog::type, .parent = TYPE_OBJECT});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "type 'test-dog' is registered twice");
    auto st = type_registration_status();
    ASSERT_FALSE(st.ok());
    EXPECT_THAT(st.error().message, HasSubstr("registered twice"));
    EXPECT_TRUE(type_registration_status().ok()); // reported once
}

TEST_F(QomTest, InvalidTypeNameIsAnError) {
    for (const char* bad : {"", "1abc", "has space", "semi;colon"}) {
        auto r = type_register(TypeInfo{.name = bad, .parent = TYPE_OBJECT});
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().message, fmt::format("invalid type name '{}'", bad));
    }
    (void)type_registration_status();
}

TEST_F(QomTest, UnknownParentIsReported) {
    ASSERT_TRUE(type_register(TypeInfo{.name = "test-orphan", .parent = "no-such-parent"}).ok());
    auto st = type_registration_status();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "type 'test-orphan' has unknown parent 'no-such-parent'");
}

// --- classes ---

TEST_F(QomTest, ClassesAreInitialisedLazilyParentFirstAndOnce) {
    // Registration ran no class_init. Asking for the grandchild initialises
    // the parent, then the child, then the grandchild; before each class_init,
    // every ancestor's class_base_init runs on the new class, nearest first.
    ASSERT_NE(type_get_by_name("test-lazy-grandchild"), nullptr);
    EXPECT_TRUE(g_trace.empty());
    ASSERT_NE(object_class_by_name("test-lazy-grandchild"), nullptr);
    EXPECT_THAT(g_trace, ElementsAre("class_init lazy-parent",
                                     "class_base_init lazy-parent on test-lazy-child",
                                     "class_init lazy-child",
                                     "class_base_init lazy-child on test-lazy-grandchild",
                                     "class_base_init lazy-parent on test-lazy-grandchild",
                                     "class_init lazy-grandchild"));
    g_trace.clear();
    object_class_by_name("test-lazy-grandchild");
    object_class_by_name("test-lazy-parent");
    EXPECT_TRUE(g_trace.empty());
}

TEST_F(QomTest, ChildClassInheritsAndOverridesParentMethods) {
    auto dog = must_new(Dog::type);
    auto puppy = must_new(Puppy::type);
    EXPECT_EQ(animal_class(*dog).speak(*dog), "woof");
    // puppy's class started as a copy of dog's (sound = woof) and chains to
    // the saved parent method.
    EXPECT_EQ(animal_class(*puppy).sound, "woof");
    EXPECT_EQ(animal_class(*puppy).speak(*puppy), "little woof");
    // The parent's class was not changed by the child's class_init.
    EXPECT_EQ(animal_class(*dog).speak(*dog), "woof");
    // class_base_init of animal ran once on each descendant class, and the
    // counter copied from dog's class was incremented for puppy.
    EXPECT_EQ(animal_class(*dog).base_init_calls, 1);
    EXPECT_EQ(animal_class(*puppy).base_init_calls, 2);
}

TEST_F(QomTest, ClassIdentityIsNotCopied) {
    ObjectClass* dog = object_class_by_name(Dog::type);
    ObjectClass* puppy = object_class_by_name(Puppy::type);
    EXPECT_EQ(object_class_get_name(dog), "test-dog");
    EXPECT_EQ(object_class_get_name(puppy), "test-puppy");
    EXPECT_EQ(object_class_get_parent(puppy), dog);
    EXPECT_TRUE(object_class_is_abstract(object_class_by_name(Animal::type)));
    EXPECT_FALSE(object_class_is_abstract(dog));
}

TEST_F(QomTest, InterfacesAreAttachedAndInherited) {
    ObjectClass* dog = object_class_by_name(Dog::type);
    ObjectClass* puppy = object_class_by_name(Puppy::type);
    ObjectClass* animal = object_class_by_name(Animal::type);
    EXPECT_EQ(object_class_dynamic_cast(animal, "test-pettable"), nullptr);
    auto* dog_pet = object_class_dynamic_cast(dog, "test-pettable");
    auto* puppy_pet = object_class_dynamic_cast(puppy, "test-pettable");
    ASSERT_NE(dog_pet, nullptr);
    ASSERT_NE(puppy_pet, nullptr);
    EXPECT_NE(dog_pet, puppy_pet);
    EXPECT_EQ(class_cast<InterfaceClass>(*dog_pet).concrete_class, dog);
    auto d = must_new(Dog::type);
    auto p = must_new(Puppy::type);
    EXPECT_EQ(class_cast<PettableClass>(*dog_pet).pet(*d), "purr?");
    EXPECT_EQ(class_cast<PettableClass>(*puppy_pet).pet(*p), "wag");
    EXPECT_EQ(object_dynamic_cast(d.get(), "test-pettable"), d.get());
    EXPECT_EQ(object_dynamic_cast(d.get(), TYPE_INTERFACE), d.get());
}

TEST_F(QomTest, ClassListFiltersAbstractTypes) {
    auto with = object_class_get_list(Animal::type, true);
    auto without = object_class_get_list(Animal::type, false);
    std::vector<std::string> names;
    for (auto* k : without)
        names.push_back(object_class_get_name(k));
    EXPECT_THAT(names, ElementsAre("test-dog", "test-puppy"));
    EXPECT_EQ(with.size(), 3u);
}

// --- objects ---

TEST_F(QomTest, InstanceInitRunsRootToLeafAndPostInitLeafToRoot) {
    object_class_by_name(Puppy::type);
    g_trace.clear();
    auto puppy = must_new(Puppy::type);
    EXPECT_THAT(g_trace,
                ElementsAre("instance_init animal", "instance_init dog", "instance_init puppy",
                            "post_init puppy", "post_init dog", "post_init animal"));
    auto& p = object_check<Puppy>(puppy.get());
    EXPECT_EQ(p.legs, 4);
    EXPECT_EQ(p.name, "rex");
    EXPECT_TRUE(p.sleepy);
}

TEST_F(QomTest, FinalizeRunsLeafToRootOnLastUnref) {
    auto puppy = must_new(Puppy::type);
    Object* raw = puppy.get();
    EXPECT_EQ(raw->ref.load(), 1u);
    object_ref(raw);
    EXPECT_EQ(raw->ref.load(), 2u);
    g_trace.clear();
    object_unref(raw);
    EXPECT_TRUE(g_trace.empty());
    puppy = ObjectPtr<Object>(); // drops the last reference
    EXPECT_THAT(g_trace, ElementsAre("finalize puppy", "finalize dog", "finalize animal"));
}

TEST_F(QomTest, UnknownAndAbstractTypesAreErrors) {
    auto unknown = object_new("no-such-type");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message, "unknown type 'no-such-type'");
    auto abstract = object_new(Animal::type);
    ASSERT_FALSE(abstract.ok());
    EXPECT_EQ(abstract.error().message, "type 'test-animal' is abstract");
}

// --- casts ---

TEST_F(QomTest, DynamicCastReturnsNullForOtherTypes) {
    auto dog = must_new(Dog::type);
    EXPECT_EQ(object_dynamic_cast<Animal>(dog.get()), dog.get());
    EXPECT_EQ(object_dynamic_cast<Dog>(dog.get()), dog.get());
    EXPECT_EQ(object_dynamic_cast<Puppy>(dog.get()), nullptr);
    EXPECT_EQ(object_dynamic_cast(dog.get(), "no-such-type"), nullptr);
    EXPECT_EQ(object_dynamic_cast<Dog>(nullptr), nullptr);
}

TEST_F(QomTest, CheckedCastFailsLoudlyNamingBothTypes) {
    auto dog = must_new(Dog::type);
    EXPECT_DEATH(object_check<Puppy>(dog.get()),
                 "\\(type 'test-dog'\\) is not an instance of type 'test-puppy'");
}

// --- properties ---

TEST_F(QomTest, TypedPropertiesRoundTripThroughStrings) {
    auto obj = must_new(PropHolder::type);
    auto& p = object_check<PropHolder>(obj.get());
    Object* o = obj.get();
    ASSERT_TRUE(object_property_set_str(o, "b", "on").ok());
    EXPECT_TRUE(p.b);
    ASSERT_TRUE(object_property_set_str(o, "b", "no").ok());
    EXPECT_FALSE(p.b);
    ASSERT_TRUE(object_property_set_str(o, "i8", "-128").ok());
    EXPECT_EQ(p.i8, -128);
    ASSERT_TRUE(object_property_set_str(o, "u32", "0xffffffff").ok());
    EXPECT_EQ(p.u32, 0xffffffffu);
    ASSERT_TRUE(object_property_set_str(o, "i64", "-9223372036854775808").ok());
    EXPECT_EQ(p.i64, INT64_MIN);
    ASSERT_TRUE(object_property_set_str(o, "u64", "18446744073709551615").ok());
    EXPECT_EQ(p.u64, UINT64_MAX);
    ASSERT_TRUE(object_property_set_str(o, "str", "a,b=c").ok());
    EXPECT_EQ(p.str, "a,b=c");
    EXPECT_EQ(*object_property_get_str(o, "u32"), "4294967295");
    EXPECT_EQ(*object_property_get_str(o, "b"), "false");
    ASSERT_TRUE(object_property_set_uint(o, "u8", 200).ok());
    EXPECT_EQ(*object_property_get_uint(o, "u8"), 200u);
    ASSERT_TRUE(object_property_set_int(o, "i32", -5).ok());
    EXPECT_EQ(*object_property_get_int(o, "i32"), -5);
    ASSERT_TRUE(object_property_set_bool(o, "b", true).ok());
    EXPECT_TRUE(*object_property_get_bool(o, "b"));
}

TEST_F(QomTest, SizePropertiesAcceptSuffixes) {
    auto obj = must_new(PropHolder::type);
    auto& p = object_check<PropHolder>(obj.get());
    struct {
        const char* text;
        uint64_t bytes;
    } cases[] = {{"0", 0},           {"4096", 4096}, {"128M", 128ull << 20},
                 {"1G", 1ull << 30}, {"1.5k", 1536}, {"2T", 2ull << 40},
                 {"0x1000", 0x1000}, {"16E", 0},     {"1b", 1}};
    for (auto& c : cases) {
        auto st = object_property_set_str(obj.get(), "size", c.text);
        if (std::string_view(c.text) == "16E") {
            EXPECT_FALSE(st.ok()) << "16E overflows";
            continue;
        }
        ASSERT_TRUE(st.ok()) << c.text;
        EXPECT_EQ(p.size.bytes, c.bytes) << c.text;
    }
    auto bad = object_property_set_str(obj.get(), "size", "12Q");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "Parameter 'size' expects size");
}

TEST_F(QomTest, IntegerRangesAndSyntaxAreChecked) {
    auto obj = must_new(PropHolder::type);
    struct {
        const char* prop;
        const char* value;
        const char* error;
    } cases[] = {
        {"u8", "256", "Parameter 'u8' expects uint8_t"},
        {"i8", "128", "Parameter 'i8' expects int8_t"},
        {"i8", "-129", "Parameter 'i8' expects int8_t"},
        {"u32", "4294967296", "Parameter 'u32' expects uint32_t"},
        {"i32", "2147483648", "Parameter 'i32' expects int32_t"},
        {"u64", "abc", "Parameter 'u64' expects integer"},
        {"u64", "0x", "Parameter 'u64' expects integer"},
        {"u64", "", "Parameter 'u64' expects integer"},
        {"i64", "12 ", "Parameter 'i64' expects integer"},
        {"u64", "99999999999999999999", "Parameter 'u64' expects integer"},
        {"b", "maybe", "Parameter 'b' expects 'on' or 'off'"},
    };
    for (auto& c : cases) {
        auto st = object_property_set_str(obj.get(), c.prop, c.value);
        ASSERT_FALSE(st.ok()) << c.prop << "=" << c.value;
        EXPECT_EQ(st.error().message, c.error);
    }
}

TEST_F(QomTest, UnknownAndReadOnlyProperties) {
    auto obj = must_new(PropHolder::type);
    auto st = object_property_set_str(obj.get(), "nope", "1");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "Property 'test-props.nope' not found");
    auto ro = object_property_set_str(obj.get(), "ro", "1");
    ASSERT_FALSE(ro.ok());
    EXPECT_EQ(ro.error().message, "Insufficient permission to perform this operation");
    EXPECT_EQ(*object_property_get_str(obj.get(), "type"), "test-props");
}

TEST_F(QomTest, ClassPropertiesHaveDefaultsAndAreShared) {
    auto a = must_new(PropHolder::type);
    auto b = must_new(PropHolder::type);
    EXPECT_EQ(object_check<PropHolder>(a.get()).class_field, 42);
    ASSERT_TRUE(object_property_set_str(a.get(), "class-field", "7").ok());
    EXPECT_EQ(object_check<PropHolder>(a.get()).class_field, 7);
    EXPECT_EQ(object_check<PropHolder>(b.get()).class_field, 42);
    ObjectProperty* prop = object_property_find(b.get(), "class-field");
    ASSERT_NE(prop, nullptr);
    EXPECT_EQ(prop->type, "uint16");
    EXPECT_EQ(prop->default_value, "42");
    // The class property is found through the class, not copied per object.
    EXPECT_EQ(prop, object_property_find(a.get(), "class-field"));
}

// --- child<>, link<> and paths ---

TEST_F(QomTest, ChildPropertiesBuildTheCompositionTree) {
    auto box = must_new(TYPE_CONTAINER);
    attach("test-box", box.get());
    auto dog = must_new(Dog::type);
    auto& prop = object_property_add_child(box.get(), "rex", dog.get());
    EXPECT_EQ(prop.type, "child<test-dog>");
    EXPECT_EQ(dog->ref.load(), 2u); // ours and the parent's
    EXPECT_EQ(object_get_canonical_path(dog.get()), "/test-box/rex");
    EXPECT_EQ(object_get_canonical_path_component(dog.get()), "rex");
    EXPECT_EQ(object_resolve_path("/test-box/rex"), dog.get());
    EXPECT_EQ(*object_property_get_str(box.get(), "rex"), "/test-box/rex");
    EXPECT_EQ(object_resolve_path("/test-box/nothing"), nullptr);
    EXPECT_EQ(object_get_canonical_path(object_get_root()), "/");
}

TEST_F(QomTest, PartialPathsResolveWhenUnique) {
    auto box = must_new(TYPE_CONTAINER);
    attach("test-partial", box.get());
    auto a = must_new(TYPE_CONTAINER);
    auto b = must_new(TYPE_CONTAINER);
    object_property_add_child(box.get(), "a", a.get());
    object_property_add_child(box.get(), "b", b.get());
    auto d1 = must_new(Dog::type);
    auto d2 = must_new(Dog::type);
    object_property_add_child(a.get(), "unique-dog-name", d1.get());
    object_property_add_child(a.get(), "twin", d2.get());
    auto d3 = must_new(Puppy::type);
    object_property_add_child(b.get(), "twin", d3.get());
    EXPECT_EQ(object_resolve_path("unique-dog-name"), d1.get());
    EXPECT_EQ(object_resolve_path("a/twin"), d2.get());
    bool ambiguous = false;
    EXPECT_EQ(object_resolve_path("twin", &ambiguous), nullptr);
    EXPECT_TRUE(ambiguous);
    // A type narrows a partial path down.
    EXPECT_EQ(object_resolve_path_type("twin", Puppy::type, &ambiguous), d3.get());
    EXPECT_FALSE(ambiguous);
}

TEST_F(QomTest, StarSuffixPicksTheFirstFreeIndex) {
    auto box = must_new(TYPE_CONTAINER);
    attach("test-star", box.get());
    auto d1 = must_new(Dog::type);
    auto d2 = must_new(Dog::type);
    object_property_add_child(box.get(), "dog[*]", d1.get());
    object_property_add_child(box.get(), "dog[*]", d2.get());
    EXPECT_EQ(object_get_canonical_path(d1.get()), "/test-star/dog[0]");
    EXPECT_EQ(object_get_canonical_path(d2.get()), "/test-star/dog[1]");
}

TEST_F(QomTest, UnparentDropsTheParentsReference) {
    auto box = must_new(TYPE_CONTAINER);
    auto dog = must_new(Puppy::type);
    object_property_add_child(box.get(), "p", dog.get());
    Object* raw = dog.get();
    dog = ObjectPtr<Object>(); // the parent now holds the only reference
    EXPECT_EQ(raw->ref.load(), 1u);
    g_trace.clear();
    object_unparent(raw);
    EXPECT_THAT(g_trace, ElementsAre("finalize puppy", "finalize dog", "finalize animal"));
    EXPECT_TRUE(object_get_children(box.get()).empty());
}

TEST_F(QomTest, FinalizingAParentReleasesItsChildren) {
    auto box = must_new(TYPE_CONTAINER);
    auto dog = must_new(Dog::type);
    object_property_add_child(box.get(), "d", dog.get());
    dog = ObjectPtr<Object>();
    g_trace.clear();
    box = ObjectPtr<Object>();
    EXPECT_THAT(g_trace, ElementsAre("finalize dog", "finalize animal"));
}

TEST_F(QomTest, LinksPointWithoutOwningAndCheckTheirType) {
    auto box = must_new(TYPE_CONTAINER);
    attach("test-link", box.get());
    auto holder = must_new(PropHolder::type);
    object_property_add_child(box.get(), "holder", holder.get());
    auto dog = must_new(Dog::type);
    object_property_add_child(box.get(), "dog", dog.get());
    auto other = must_new(PropHolder::type);
    object_property_add_child(box.get(), "other", other.get());

    auto& h = object_check<PropHolder>(holder.get());
    EXPECT_EQ(object_property_find(holder.get(), "friend")->type, "link<test-dog>");
    uint32_t refs_before = dog->ref.load();
    ASSERT_TRUE(object_property_set_str(holder.get(), "friend", "/test-link/dog").ok());
    EXPECT_EQ(h.friend_dog, dog.get());
    EXPECT_EQ(dog->ref.load(), refs_before); // no reference taken
    EXPECT_EQ(*object_property_get_str(holder.get(), "friend"), "/test-link/dog");
    // Paths follow links.
    EXPECT_EQ(object_resolve_path("/test-link/holder/friend"), dog.get());

    auto wrong = object_property_set_str(holder.get(), "friend", "/test-link/other");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().message, "Invalid parameter type for 'friend', expected: test-dog");
    auto missing = object_property_set_str(holder.get(), "friend", "/test-link/cat");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "Device '/test-link/cat' not found");
    ASSERT_TRUE(object_property_set_link(holder.get(), "friend", nullptr).ok());
    EXPECT_EQ(h.friend_dog, nullptr);
    ASSERT_TRUE(object_property_set_link(holder.get(), "friend", dog.get()).ok());
    EXPECT_EQ(h.friend_dog, dog.get());
}

TEST_F(QomTest, QomTreeListsChildrenSortedWithTypes) {
    auto box = must_new(TYPE_CONTAINER);
    attach("test-tree", box.get());
    auto d = must_new(Dog::type);
    auto p = must_new(Puppy::type);
    object_property_add_child(box.get(), "zed", d.get());
    object_property_add_child(box.get(), "abe", p.get());
    EXPECT_EQ(qom_tree_string(box.get()),
              "/test-tree (container)\n  /abe (test-puppy)\n  /zed (test-dog)\n");
}

TEST_F(QomTest, ContainerGetCreatesIntermediateContainers) {
    Object* c = container_get(object_get_root(), "/test-containers/x/y");
    m_attached.push_back("test-containers");
    EXPECT_EQ(object_get_canonical_path(c), "/test-containers/x/y");
    EXPECT_EQ(container_get(object_get_root(), "/test-containers/x/y"), c);
    EXPECT_EQ(object_get_typename(c), "container");
}

TEST(SizeFormat, MatchesQemuSizeToStr) {
    EXPECT_EQ(format_size_human(0), "0 B");
    EXPECT_EQ(format_size_human(512), "512 B");
    EXPECT_EQ(format_size_human(128ull << 20), "128 MiB");
    EXPECT_EQ(format_size_human(1536), "1.5 KiB");
    EXPECT_EQ(format_size_human(4ull << 30), "4 GiB");
}

} // namespace
