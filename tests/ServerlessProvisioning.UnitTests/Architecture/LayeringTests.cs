using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Emit;
using ServerlessProvisioning.Storage;
using ServerlessProvisioning.UnitTests.Architecture.Sample.High;
using ServerlessProvisioning.UnitTests.Architecture.Sample.Low;

namespace ServerlessProvisioning.UnitTests.Architecture
{
    /// <summary>Fails when a namespace of the product library uses a namespace of its own rank or above.</summary>
    public class LayeringTests
    {
        // Every namespace of the product, sub-namespaces included (a namespace missing here fails the test):
        // Storage → Matching → Organizations → Notifications → Provisioning → its activities → its workflow → Api / OrderSystem → hosts
        static readonly string[][] Layers =
        [
            /* 0 */ ["Primitives", "Configuration"],
            /* 1 */ ["Storage", "Http", "Web"],
            /* 2 */ ["Matching"],
            /* 3 */ ["Organizations"],
            /* 4 */ ["Notifications"],
            /* 5 */ ["Notifications.Acs"],
            /* 6 */ ["Provisioning"],
            /* 7 */ ["Provisioning.Activities"],
            /* 8 */ ["Provisioning.Workflow"],
            /* 9 */ ["Api", "OrderSystem"],
            /* 10 */ ["Hosting"],
        ];

        [Fact]
        public void Product_namespaces_use_only_lower_layers()
        {
            // Arrange
            var product = typeof(TableKey).Assembly;

            // Act
            var violations = Violations(product, NamespaceAfter("ServerlessProvisioning."), Layers);

            // Assert
            if (violations.Count > 0)
            {
                Assert.Fail($"{violations.Count} layering violation(s):\n{string.Join('\n', violations)}");
            }
        }

        [Fact]
        public void Analyzer_sees_uses_inside_lambdas_generic_arguments_and_typeof()
        {
            // Arrange
            var tests = typeof(LayeringTests).Assembly;
            var layerOf = NamespaceAfter("ServerlessProvisioning.UnitTests.Architecture.Sample.");
            string[][] sampleLayers = [["Low"], ["High"]];

            // Act
            var violations = Violations(tests, layerOf, sampleLayers);
            var uses = NamespaceDependencies.Find(tests, layerOf);

            // Assert
            Type[] lowUsers = [typeof(FieldUser), typeof(LambdaUser), typeof(TypeofUser)];
            Assert.Equal(lowUsers.Select(t => $"Low ({t.FullName}) uses High ({typeof(HighThing).FullName})"), violations);
            // High → Low must be seen and allowed, not merely missed.
            Assert.Contains((typeof(HighThing), typeof(FieldUser)), uses);
        }

        // The whole namespace below the prefix, so a sub-namespace is a layer of its own: a cycle between a namespace
        // and its sub-namespace (Provisioning ⇄ Provisioning.Activities) is a violation like any other.
        static Func<Type, string?> NamespaceAfter(string prefix) =>
            type => type.Namespace is { } ns && ns.StartsWith(prefix, StringComparison.Ordinal) ? ns[prefix.Length..] : null;

        static List<string> Violations(Assembly assembly, Func<Type, string?> layerOf, string[][] layers)
        {
            var rank = layers.SelectMany((names, r) => names.Select(name => (name, r))).ToDictionary(x => x.name, x => x.r);
            var unknown = assembly.GetTypes()
                .Where(t => layerOf(t) is { } layer && !rank.ContainsKey(layer))
                .Select(t => $"{layerOf(t)} ({t.Namespace}) is not in the layer table: add it to the layer table");
            var upward = NamespaceDependencies.Find(assembly, layerOf)
                .Where(d => rank.TryGetValue(layerOf(d.From)!, out var from) && rank.TryGetValue(layerOf(d.To)!, out var to) && from <= to)
                .Select(d => $"{layerOf(d.From)} ({d.From.FullName}) uses {layerOf(d.To)} ({d.To.FullName})");
            return [.. unknown.Concat(upward).Distinct().Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Which types of an assembly use types of another layer of the same assembly, as the compiler emitted them.</summary>
    static class NamespaceDependencies
    {
        const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

        // Two-byte opcodes (0xFE xx) have Value unchecked((short)0xFExx), so one table keyed by Value covers both.
        static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(op => op.Value, op => op.OperandType);

        /// <summary>(from, to) pairs of outermost types whose layers differ; types whose layer is null are ignored.</summary>
        public static HashSet<(Type From, Type To)> Find(Assembly assembly, Func<Type, string?> layerOf) =>
        [
            // Lambdas, state machines and other compiler-made nested types belong to whatever they were written in.
            .. from type in assembly.GetTypes()
               let source = Outermost(type)
               where layerOf(source) is not null
               from target in UsedBy(type).Where(t => t.Assembly == assembly).Select(Outermost)
               where layerOf(target) is { } layer && layer != layerOf(source)
               select (source, target),
        ];

        static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

        static HashSet<Type> UsedBy(Type type)
        {
            var used = new HashSet<Type>();
            AddAll(used, [type.BaseType, .. type.GetInterfaces(), .. Constraints(type.IsGenericTypeDefinition ? type.GetGenericArguments() : [])]);
            AddAttributes(used, type.CustomAttributes);
            // Constructors and the static constructor come with the methods; nested types are visited on their own.
            foreach (var member in type.GetMembers(Declared))
            {
                AddAttributes(used, member.CustomAttributes);
                switch (member)
                {
                    case FieldInfo field: Add(used, field.FieldType); break;
                    case PropertyInfo property: Add(used, property.PropertyType); break;
                    case EventInfo @event: Add(used, @event.EventHandlerType); break;
                    case MethodBase method: AddMethod(used, method); break;
                }
            }
            return used;
        }

        static void AddMethod(HashSet<Type> used, MethodBase method)
        {
            var methodArguments = method is MethodInfo { IsGenericMethodDefinition: true } ? method.GetGenericArguments() : null;
            var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
            var parameters = method is MethodInfo info ? [info.ReturnParameter, .. method.GetParameters()] : method.GetParameters();
            AddAll(used, [.. parameters.Select(p => p.ParameterType), .. Constraints(methodArguments ?? [])]);
            Array.ForEach(parameters, p => AddAttributes(used, p.CustomAttributes));
            if (method.GetMethodBody() is not { } body)
            {
                return;
            }
            AddAll(used, body.LocalVariables.Select(l => l.LocalType));
            AddAll(used, body.ExceptionHandlingClauses.Where(c => c.Flags == ExceptionHandlingClauseOptions.Clause).Select(c => c.CatchType));
            var il = body.GetILAsByteArray() ?? [];
            for (var i = 0; i < il.Length;)
            {
                var operand = Operands[il[i] == 0xFE ? unchecked((short)(0xFE00 | il[i + 1])) : il[i]];
                i += il[i] == 0xFE ? 2 : 1;
                if (operand is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
                {
                    AddMember(used, Resolve(method.Module, BinaryPrimitives.ReadInt32LittleEndian(il.AsSpan(i)), typeArguments, methodArguments));
                }
                i += operand switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + (4 * BinaryPrimitives.ReadInt32LittleEndian(il.AsSpan(i))),
                    _ => 4,
                };
            }
        }

        static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
        {
            try
            {
                return module.ResolveMember(token, typeArguments, methodArguments);
            }
            catch (Exception e) when (e is ArgumentException or TypeLoadException or MissingMemberException or BadImageFormatException or FileNotFoundException)
            {
                // A member of an assembly that cannot load is never one of the checked assembly's types.
                return null;
            }
        }

        // A member counts through its declaring type, which carries its generic arguments, plus a generic method's own.
        static void AddMember(HashSet<Type> used, MemberInfo? member) => AddAll(used, member switch
        {
            Type type => [type],
            MethodInfo { IsGenericMethod: true } method => [method.DeclaringType, .. method.GetGenericArguments()],
            _ => [member?.DeclaringType],
        });

        static void Add(HashSet<Type> used, Type? type)
        {
            if (type is null || type.IsGenericParameter)
            {
                return;
            }
            if (type.HasElementType)
            {
                Add(used, type.GetElementType());
            }
            else if (type.IsFunctionPointer)
            {
                AddAll(used, [type.GetFunctionPointerReturnType(), .. type.GetFunctionPointerParameterTypes()]);
            }
            else if (type.IsConstructedGenericType)
            {
                AddAll(used, [type.GetGenericTypeDefinition(), .. type.GenericTypeArguments]);
            }
            else
            {
                used.Add(type);
            }
        }

        static void AddAll(HashSet<Type> used, IEnumerable<Type?> types)
        {
            foreach (var type in types)
            {
                Add(used, type);
            }
        }

        static Type[] Constraints(Type[] genericParameters) => [.. genericParameters.SelectMany(p => p.GetGenericParameterConstraints())];

        static void AddAttributes(HashSet<Type> used, IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var attribute in attributes)
            {
                Add(used, attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(n => n.TypedValue)))
                {
                    AddArgument(used, argument);
                }
            }
        }

        // typeof(...) and enum values in attribute arguments are uses too, also inside params arrays.
        static void AddArgument(HashSet<Type> used, CustomAttributeTypedArgument argument)
        {
            AddAll(used, [argument.ArgumentType, argument.Value as Type]);
            foreach (var item in argument.Value as IEnumerable<CustomAttributeTypedArgument> ?? [])
            {
                AddArgument(used, item);
            }
        }
    }
}

// The analyzer's self-check: each Low type uses High in one place only, so any blind spot drops exactly its line.
namespace ServerlessProvisioning.UnitTests.Architecture.Sample.Low
{
    /// <summary>Uses High only inside a lambda inside an async method body.</summary>
    public sealed class LambdaUser
    {
        public async Task<int> CountAsync(IEnumerable<object> items)
        {
            await Task.Yield();
            return items.Count(item => item is HighThing);
        }
    }

    /// <summary>Uses High only as the generic argument of a field type.</summary>
    public sealed class FieldUser
    {
        List<HighThing>? things;

        public bool HasThings => things is not null;

        public void Forget() => things = null;
    }

    /// <summary>Uses High only through typeof.</summary>
    public static class TypeofUser
    {
        public static Type Target => typeof(HighThing);
    }
}

namespace ServerlessProvisioning.UnitTests.Architecture.Sample.High
{
    /// <summary>Uses Low, which the layers allow.</summary>
    public sealed class HighThing
    {
        public bool IsEmpty() => !new FieldUser().HasThings;
    }
}
