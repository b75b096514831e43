package dev.modelforge.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonSchemaGrammarTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** JSON written with single quotes, to keep the Java strings readable. */
  private static String q(String text) {
    return text.replace('\'', '"');
  }

  private static JsonNode schema(String json) {
    try {
      return MAPPER.readTree(q(json));
    } catch (Exception e) {
      throw new AssertionError("bad test schema " + json, e);
    }
  }

  private static Grammar grammar(String schemaJson) {
    return Grammar.parse(JsonSchemaGrammar.fromSchema(schema(schemaJson)));
  }

  private static void assertAccepts(Grammar g, String... texts) {
    List<String> rejected = new ArrayList<>();
    for (String t : texts) {
      if (!g.matches(q(t))) {
        rejected.add(q(t));
      }
    }
    assertThat(rejected).as("valid texts the grammar rejects").isEmpty();
  }

  private static void assertRejects(Grammar g, String... texts) {
    List<String> accepted = new ArrayList<>();
    for (String t : texts) {
      if (g.matches(q(t))) {
        accepted.add(q(t));
      }
    }
    assertThat(accepted).as("invalid texts the grammar accepts").isEmpty();
  }

  private static void assertRefused(String schemaJson, String... fragments) {
    var thrown =
        assertThatThrownBy(() -> JsonSchemaGrammar.fromSchema(schema(schemaJson)))
            .isInstanceOf(GrammarException.class);
    for (String f : fragments) {
      thrown.hasMessageContaining(f);
    }
  }

  @Test
  void objectWithRequiredPropertiesAndNoOthers() {
    Grammar g =
        grammar(
            "{'type':'object','properties':{'name':{'type':'string'},'age':{'type':'integer'},"
                + "'email':{'type':'string'}},'required':['name','age'],"
                + "'additionalProperties':false}");
    assertAccepts(
        g,
        "{'name':'Ann','age':30}",
        "{'name': 'Ann', 'age': 30}",
        "{'name':'Ann','age':-4,'email':'a@b.c'}",
        "{'name':'','age':0, 'email':''}");
    assertRejects(
        g,
        "{'name':'Ann'}", // missing required
        "{'age':30}",
        "{'name':'Ann','age':'30'}", // wrong type
        "{'name':'Ann','age':3.5}",
        "{'name':'Ann','age':30,'x':1}", // extra property
        "{'name':'Ann','email':'e','age':30}", // declared order is kept
        "{ 'name':'Ann','age':30}", // space only after ':' and ','
        "{'name' :'Ann','age':30}",
        "{'name':  'Ann','age':30}",
        " {'name':'Ann','age':30}",
        "{'name':'Ann','age':30}\n",
        "[]",
        "null");
  }

  @Test
  void nestedObjectsAndArraysOfObjects() {
    Grammar g =
        grammar(
            "{'type':'object','properties':{'user':{'type':'object','properties':{"
                + "'id':{'type':'integer'},'tags':{'type':'array','items':{'type':'string'}}},"
                + "'required':['id','tags']},'points':{'type':'array','items':{'type':'object',"
                + "'properties':{'x':{'type':'number'},'y':{'type':'number'}},"
                + "'required':['x','y'],'additionalProperties':false}}},'required':['user']}");
    assertAccepts(
        g,
        "{'user':{'id':1,'tags':[]}}",
        "{'user':{'id':1,'tags':['a', 'b']},'points':[{'x':1.5,'y':-2e3}]}",
        "{'user':{'id':1,'tags':[],'more':{'any':[true]}}}");
    assertRejects(
        g,
        "{'user':{'id':1}}",
        "{'user':{'id':1,'tags':[1]}}",
        "{'user':{'id':1,'tags':[]},'points':[{'x':1}]}",
        "{'user':{'id':1,'tags':[]},'points':[{'x':1,'y':2,'z':3}]}");
  }

  @Test
  void arrayLengthBounds() {
    Grammar g = grammar("{'type':'array','items':{'type':'integer'},'minItems':1,'maxItems':3}");
    assertAccepts(g, "[1]", "[1,2]", "[1, 2, 3]");
    assertRejects(g, "[]", "[1,2,3,4]", "[1,'a']", "[1,]", "[ 1]", "[1 ,2]");
    Grammar any = grammar("{'type':'array','maxItems':2}");
    assertAccepts(any, "[]", "[null]", "[{}, [1]]");
    assertRejects(any, "[1,2,3]");
    Grammar atLeast = grammar("{'type':'array','items':{'type':'boolean'},'minItems':2}");
    assertAccepts(atLeast, "[true,false]", "[true,false,true,true]");
    assertRejects(atLeast, "[true]", "[]");
  }

  @Test
  void tupleItemsWithPrefixItems() {
    Grammar closed =
        grammar(
            "{'type':'array','prefixItems':[{'type':'string'},{'type':'integer'}],'items':false}");
    assertAccepts(closed, "[]", "['a']", "['a',1]");
    assertRejects(closed, "['a',1,2]", "[1]", "['a','b']");
    Grammar open =
        grammar(
            "{'type':'array','prefixItems':[{'type':'string'}],'items':{'type':'null'},"
                + "'minItems':2,'maxItems':3}");
    assertAccepts(open, "['a',null]", "['a',null,null]");
    assertRejects(open, "['a']", "['a',null,null,null]", "['a',1]");
    Grammar empty = grammar("{'type':'array','items':false}");
    assertAccepts(empty, "[]");
    assertRejects(empty, "[1]", "[null]");
    Grammar firstForbidden = grammar("{'prefixItems':[false,{'type':'integer'}]}");
    assertAccepts(firstForbidden, "[]");
    assertRejects(firstForbidden, "[1]");
    Grammar draft7 = grammar("{'items':[{'type':'integer'}],'additionalItems':false}");
    assertAccepts(draft7, "[]", "[1]");
    assertRejects(draft7, "[1,2]");
  }

  @Test
  void enumAndConstAllowOnlyTheListedValues() {
    Grammar colors = grammar("{'type':'string','enum':['red','green','blue']}");
    assertAccepts(colors, "'red'", "'blue'");
    assertRejects(colors, "'Red'", "'yellow'", "'redd'", "1");
    Grammar mixed = grammar("{'enum':['a',1,null,true,{'k':[1,2]}]}");
    assertAccepts(mixed, "'a'", "1", "null", "true", "{'k':[1,2]}");
    assertRejects(mixed, "false", "2", "'b'", "{'k':[1]}");
    Grammar filtered = grammar("{'type':'integer','enum':[1,'1',2.0,2.5]}");
    assertAccepts(filtered, "1", "2.0");
    assertRejects(filtered, "'1'", "2.5");
    Grammar constant = grammar("{'const':'fixed \\n\\u0000'}");
    assertAccepts(constant, "'fixed \\n\\u0000'");
    assertRejects(constant, "'fixed'");
  }

  @Test
  void anyOfAndOneOfAreAlternatives() {
    Grammar g =
        grammar("{'anyOf':[{'type':'string','maxLength':2},{'type':'integer'},{'type':'null'}]}");
    assertAccepts(g, "'ab'", "12", "null");
    assertRejects(g, "'abc'", "1.5", "true");
    Grammar one =
        grammar("{'oneOf':[{'const':1},{'type':'array','items':{'const':2}}],'title':'t'}");
    assertAccepts(one, "1", "[2,2]", "[]");
    assertRejects(one, "2", "[1]");
    Grammar single = grammar("{'allOf':[{'type':'boolean'}],'description':'d'}");
    assertAccepts(single, "true", "false");
    assertRejects(single, "1");
  }

  @Test
  void recursiveReferencesThroughDefs() {
    Grammar tree =
        grammar(
            "{'$ref':'#/$defs/node','$defs':{'node':{'type':'object','properties':{"
                + "'value':{'type':'integer'},'children':{'type':'array',"
                + "'items':{'$ref':'#/$defs/node'}}},'required':['value'],"
                + "'additionalProperties':false}}}");
    assertAccepts(
        tree,
        "{'value':1}",
        "{'value':1,'children':[]}",
        "{'value':1,'children':[{'value':2,'children':[{'value':3}]},{'value':4}]}");
    assertRejects(
        tree, "{'value':1,'children':[{}]}", "{'value':1,'children':[{'value':'x'}]}", "{}");
    Grammar list =
        grammar(
            "{'type':'object','properties':{'head':{'type':'string'},"
                + "'tail':{'anyOf':[{'$ref':'#'},{'type':'null'}]}},"
                + "'required':['head','tail'],'additionalProperties':false}");
    assertAccepts(list, "{'head':'a','tail':{'head':'b','tail':null}}");
    assertRejects(list, "{'head':'a','tail':{'head':'b'}}");
    Grammar definitions =
        grammar("{'definitions':{'a/b':{'type':'integer'}},'$ref':'#/definitions/a~1b'}");
    assertAccepts(definitions, "5");
    assertRejects(definitions, "'5'");
  }

  @Test
  void optionalPropertiesMayEachBeLeftOut() {
    Grammar g =
        grammar(
            "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'integer'},"
                + "'c':{'type':'integer'}},'required':['b'],'additionalProperties':false}");
    assertAccepts(g, "{'b':1}", "{'a':1,'b':2}", "{'b':2,'c':3}", "{'a':1,'b':2,'c':3}");
    assertRejects(g, "{}", "{'a':1}", "{'a':1,'c':3}", "{'a':1,,'b':2}", "{,'b':2}", "{'b':2,}");
    Grammar none =
        grammar(
            "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'integer'}},"
                + "'additionalProperties':false}");
    assertAccepts(none, "{}", "{'a':1}", "{'b':1}", "{'a':1,'b':1}");
    assertRejects(none, "{'b':1,'a':1}", "{'a':1,'a':1}");
  }

  @Test
  void additionalPropertiesComeAfterTheDeclaredOnes() {
    Grammar open =
        grammar("{'type':'object','properties':{'a':{'type':'integer'}},'required':['a']}");
    assertAccepts(open, "{'a':1}", "{'a':1,'b':'x'}", "{'a':1, 'ab':[1], '':null, 'b':{}}");
    assertRejects(open, "{'b':1}", "{'b':1,'a':1}", "{'a':1,'a':2}");
    Grammar optional = grammar("{'properties':{'ab':{'type':'integer'}}}");
    assertAccepts(optional, "{}", "{'ab':1}", "{'a':'x'}", "{'abc':'x'}", "{'b':'x','a':1}");
    assertRejects(optional, "{'ab':'x'}", "{'a':1,'ab':'x'}", "[]", "1"); // 'ab' must be an integer
    Grammar typed =
        grammar("{'type':'object','additionalProperties':{'type':'integer'},'required':['n']}");
    assertAccepts(typed, "{'n':1}", "{'n':1,'x':2,'y':3}");
    assertRejects(typed, "{}", "{'x':2}", "{'n':'1'}", "{'n':1,'x':'2'}");
    Grammar anyKeys = grammar("{'type':'object','additionalProperties':{'type':'boolean'}}");
    assertAccepts(anyKeys, "{}", "{'x':true, 'y':false}");
    assertRejects(anyKeys, "{'x':1}");
  }

  @Test
  void stringLengthsCountCharactersAndEscapesAsOne() {
    Grammar g = grammar("{'type':'string','minLength':2,'maxLength':4}");
    assertAccepts(g, "'ab'", "'abcd'", "'a\\nb'", "'\\u00e9\\u00e9'", "'éé'", "'😀😀'", "'a\\\\'");
    assertRejects(g, "'a'", "'abcde'", "'\\n'", "''", "'a\nb'", "'a\\qb'", "'a\\u12'");
  }

  @Test
  void patternsMatchTheWholeDecodedString() {
    Grammar g = grammar("{'type':'string','pattern':'^[A-Z]{2}-\\\\d{3}$'}");
    assertAccepts(g, "'AB-123'");
    assertRejects(g, "'ab-123'", "'AB-1234'", "'xAB-123'", "AB-123");
    Grammar quoted = grammar("{'pattern':'a\\\"b|c/d|e\\\\\\\\f'}");
    assertAccepts(quoted, "'a\\\"b'", "'c/d'", "'c\\/d'", "'e\\\\f'");
    assertRejects(quoted, "'a\"b'", "'ab'", "'e\\f'");
  }

  @Test
  void formatsAreCheckedToTheDay() {
    Grammar date = grammar("{'type':'string','format':'date'}");
    assertAccepts(date, "'2024-02-29'", "'2000-02-29'", "'2023-12-31'", "'0001-04-30'");
    assertRejects(
        date,
        "'2023-02-29'",
        "'1900-02-29'",
        "'2023-04-31'",
        "'2023-13-01'",
        "'2023-00-10'",
        "'2023-1-10'",
        "'20230110'");
    Grammar time = grammar("{'type':'string','format':'time'}");
    assertAccepts(time, "'12:30:00Z'", "'23:59:59.123+05:30'", "'00:00:00-12:00'");
    assertRejects(time, "'24:00:00Z'", "'12:30:00'", "'12:60:00Z'", "'1:30:00Z'");
    Grammar dateTime = grammar("{'type':'string','format':'date-time'}");
    assertAccepts(dateTime, "'2024-01-15T10:00:00Z'", "'2024-01-15t10:00:00.5+01:00'");
    assertRejects(dateTime, "'2024-01-15 10:00:00Z'", "'2024-01-15'");
    Grammar uuid = grammar("{'format':'uuid'}");
    assertAccepts(uuid, "'123e4567-e89b-12d3-A456-426614174000'");
    assertRejects(
        uuid, "'123e4567e89b12d3a456426614174000'", "'123e4567-e89b-12d3-a456-42661417400g'");
  }

  @Test
  void nullableAndTypeListsAddAlternatives() {
    Grammar nullable = grammar("{'type':'string','nullable':true,'maxLength':1}");
    assertAccepts(nullable, "null", "'x'");
    assertRejects(nullable, "'xy'", "1", "false");
    Grammar list = grammar("{'type':['integer','boolean']}");
    assertAccepts(list, "1", "true");
    assertRejects(list, "1.5", "null", "'1'");
    Grammar numbers = grammar("{'type':['integer','number']}");
    assertAccepts(numbers, "1", "1.5");
  }

  @Test
  void integerBoundsAreExact() {
    String[] schemas = {
      "{'type':'integer','minimum':-5,'maximum':120}",
      "{'type':'integer','exclusiveMinimum':0,'exclusiveMaximum':10}",
      "{'type':'integer','minimum':1.5,'maximum':99.5}",
      "{'type':'integer','minimum':-150,'exclusiveMaximum':-7}",
      "{'type':'integer','minimum':7}",
      "{'type':'integer','maximum':0,'exclusiveMaximum':true}",
      "{'type':'integer','minimum':-20,'exclusiveMinimum':-30,'maximum':20,'exclusiveMaximum':25}",
    };
    long[][] bounds = {
      {-5, 120}, {1, 9}, {2, 99}, {-150, -8}, {7, Long.MAX_VALUE}, {Long.MIN_VALUE, -1}, {-20, 20}
    };
    for (int s = 0; s < schemas.length; s++) {
      Grammar g = grammar(schemas[s]);
      for (long v = -300; v <= 300; v++) {
        boolean inRange = v >= bounds[s][0] && v <= bounds[s][1];
        assertThat(g.matches(Long.toString(v))).as(schemas[s] + " on " + v).isEqualTo(inRange);
      }
    }
    Grammar g = grammar("{'type':'integer','minimum':0,'maximum':10}");
    assertAccepts(g, "-0", "0", "10");
    assertRejects(g, "00", "01", "1.0", "1e1");
    Grammar wide = grammar("{'type':'integer','minimum':123456789012,'maximum':9999999999999999}");
    assertAccepts(wide, "123456789012", "9999999999999999", "500000000000000");
    assertRejects(wide, "123456789011", "10000000000000000");
    assertRefused("{'type':'integer','minimum':5,'maximum':4}", "no integer");
  }

  @Test
  void numbersAndStringsStayWithinTheirBounds() {
    Grammar n = grammar("{'type':'number'}");
    assertAccepts(n, "0", "-0.5", "1234567890123456", "1.1234567890123456", "1e999", "2E-5");
    assertRejects(
        n,
        "12345678901234567",
        "1.12345678901234567",
        "1e1000",
        "01",
        "1.",
        ".5",
        "-",
        "+1",
        "1e",
        "NaN");
    Grammar s = grammar("{'type':'string'}");
    assertAccepts(s, "''", "'\\\\ \\/ \\b\\f\\n\\r\\t \\u00AF'", "'é😀'");
    assertRejects(s, "'\u0001'", "'\\x41'", "'\\u00G0'", "'a", "'a\"b'");
  }

  @Test
  void emptySchemaAcceptsAnyJsonValue() {
    for (String schema : new String[] {"{}", "true", "{'description':'anything'}"}) {
      Grammar g = grammar(schema);
      assertAccepts(g, "1", "'s'", "null", "[1,{'a':[]}]", "{'x': {'y': [true, false]}}");
      assertRejects(g, "", "[1,]", "{'a'}", "tru");
    }
  }

  @Test
  void pydanticStyleSchemaIsSupported() {
    Grammar g =
        grammar(
            "{'$defs':{'Color':{'enum':['red','blue'],'title':'Color','type':'string'}},"
                + "'properties':{'name':{'title':'Name','type':'string'},"
                + "'color':{'anyOf':[{'$ref':'#/$defs/Color'},{'type':'null'}],'default':null},"
                + "'sizes':{'items':{'type':'integer'},'title':'Sizes','type':'array'}},"
                + "'required':['name','sizes'],'title':'Item','type':'object'}");
    assertAccepts(
        g,
        "{'name':'x','sizes':[]}",
        "{'name':'x','color':'red','sizes':[1, 2]}",
        "{'name':'x','color':null,'sizes':[3]}");
    assertRejects(g, "{'name':'x','color':'green','sizes':[]}", "{'name':'x'}");
  }

  @Test
  void anyJsonObjectAcceptsObjectsOnly() {
    Grammar g = Grammar.parse(JsonSchemaGrammar.anyJsonObject());
    assertAccepts(g, "{}", "{'a':1}", "{'a': [1, {'b': null}], 'c': 'd', 'e': {'f': {'g': {}}}}");
    assertRejects(g, "[]", "[{}]", "1", "'x'", "null", "true", "{'a'}", "{'a':1,}", "{} ");
  }

  @Test
  void unsupportedKeywordsAreRefusedWithTheirPath() {
    assertRefused(
        "{'type':'object','properties':{'a':{'not':{'type':'string'}}}}",
        "json schema at /properties/a: 'not' is not supported");
    assertRefused("{'patternProperties':{'^x':{}}}", "at the root", "'patternProperties'");
    assertRefused("{'type':'object','minProperties':1}", "'minProperties'");
    assertRefused("{'type':'string','format':'email'}", "'format' \"email\"");
    assertRefused("{'type':'number','minimum':0}", "'minimum' is supported on integers only");
    assertRefused("{'allOf':[{'type':'string'},{'maxLength':3}]}", "'allOf' with 2 schemas");
    assertRefused("{'type':'array','uniqueItems':true}", "'uniqueItems'");
    assertRefused("{'items':{'$ref':'other.json#/x'}}", "at /items", "\"other.json#/x\"");
    assertRefused("{'$ref':'#/$defs/missing'}", "names no definition");
    assertRefused("{'anyOf':[{'type':'string'}],'maxLength':2}", "'maxLength' next to 'anyOf'");
    assertRefused("{'type':'string','multipleOf':2}", "'multipleOf'");
    assertRefused(
        "{'properties':{'p':{'pattern':'(?=a)b'}}}",
        "json schema at /properties/p: 'pattern' is not supported",
        "lookahead");
    assertRefused(
        "{'$defs':{'d':{'type':'object','properties':{'x/y':{'contains':{}}}}},'$ref':'#/$defs/d'}",
        "json schema at /$defs/d/properties/x~1y: 'contains'");
    assertRefused("{'type':'strin'}", "'type' \"strin\"");
    assertRefused("false", "matches no value");
    assertRefused("{'type':'string','minLength':3,'maxLength':2}", "is over maxLength 2");
    assertRefused(
        "{'required':['x'],'additionalProperties':false}", "'x'", "'additionalProperties'");
  }
}
